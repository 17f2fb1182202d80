import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, HttpException, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ModelRegistry, ModelRegistryError, ArtifactStoreError, type ArtifactStore, type ModelVersion } from '@lib/ml';
import { Roles } from './auth/api-keys.js';
import { ARTIFACT_STORE } from './models.providers.js';
import { ApiErrors, ApiKeyProtected } from './responses.dto.js';
import { ModelActionDto, ModelDetailDto, ModelNameParamsDto, ModelVersionDto, ModelVersionParamsDto, ModelsQueryDto, PromotionResultDto, RollbackResultDto } from './models.dto.js';

/** The model registry over HTTP: what is registered, what serves, and the operator's promote and rollback. */
@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistry,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Model versions, ascending by name then version; filter by name and stage' })
  @ApiOkResponse({ type: [ModelVersionDto] })
  @ApiKeyProtected('read')
  @ApiErrors(400)
  async list(@Query() q: ModelsQueryDto): Promise<ModelVersion[]> {
    return this.registry.list({ ...(q.name !== undefined ? { name: q.name } : {}), ...(q.stage !== undefined ? { stage: q.stage } : {}) });
  }

  @Get(':name')
  @ApiOperation({ summary: 'Every version of a model, the one in Production, the rollback target and the stage history' })
  @ApiOkResponse({ type: ModelDetailDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  async get(@Param() p: ModelNameParamsDto) {
    const snapshot = await this.registry.snapshot(p.name);
    if (snapshot.versions.length === 0) throw new NotFoundException(`model ${p.name} has no versions`);
    return {
      name: p.name,
      production: snapshot.versions.find((v) => v.stage === 'Production') ?? null,
      rollbackTarget: await this.registry.previous(p.name),
      versions: snapshot.versions,
      history: snapshot.history,
    };
  }

  @Post(':name/versions/:version/promote')
  @HttpCode(200)
  @Roles('operate')
  @ApiOperation({
    summary: 'Promote a Staging version to Production (its stored gates must pass and its artifact must be in the store); the current one is archived',
  })
  @ApiOkResponse({ type: PromotionResultDto })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async promote(@Param() p: ModelVersionParamsDto, @Body() body: ModelActionDto) {
    const model = await this.registry.find(p.name, p.version);
    if (!model) throw new NotFoundException(`model ${p.name} v${p.version} does not exist`);
    await this.requireArtifact(model);
    return this.registry.promote(p.name, p.version, `operator: ${body.reason}`).catch(toHttp);
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @Roles('operate')
  @ApiOperation({ summary: 'Restore the version last displaced from Production by a promotion; the current one is archived' })
  @ApiOkResponse({ type: RollbackResultDto })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async rollback(@Param() p: ModelNameParamsDto, @Body() body: ModelActionDto) {
    const target = await this.registry.previous(p.name);
    if (target) await this.requireArtifact(target);
    return this.registry.rollback(p.name, `operator: ${body.reason}`).catch(toHttp);
  }

  /** A version whose artifact cannot be served must never become Production: the loader would fall back at once. */
  private async requireArtifact(model: ModelVersion): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.artifacts.exists(model.artifact.uri);
    } catch (err) {
      if (err instanceof ArtifactStoreError) throw new ConflictException(`${model.name} v${model.version}: artifact ${model.artifact.uri} cannot be checked in this trader's artifact store (${err.code}): ${err.message}`);
      throw err;
    }
    if (!exists) throw new ConflictException(`${model.name} v${model.version}: artifact ${model.artifact.uri} is not in the artifact store`);
  }
}

/** Registry errors by code: unknown → 404, a stage rule refusing → 409, a bad model → 400. */
function toHttp(err: unknown): never {
  if (err instanceof HttpException || !(err instanceof ModelRegistryError)) throw err;
  const body = { message: err.message, code: err.code };
  if (err.code === 'REGISTRY.NOT_FOUND') throw new NotFoundException(body);
  if (err.code === 'REGISTRY.INVALID_MODEL') throw new BadRequestException(body);
  throw new ConflictException(body);
}

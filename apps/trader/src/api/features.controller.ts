import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { FeaturePipeline, featureSetVersion, featureSpecFor } from '@lib/ml';
import { instrumentFromSpec } from '@lib/model';
import { FEATURE_CACHE, type FeatureCache } from '@lib/redis';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { ApiErrors, ApiKeyProtected } from './responses.dto.js';

export class FeatureParamsDto {
  @ApiProperty({ example: 'BTCUSDT-PERP.BYBIT' })
  @Matches(/^[A-Z0-9]+(-[A-Z0-9]+)*\.[A-Z0-9_]+$/, { message: 'instrumentId must look like BTCUSDT-PERP.BYBIT' })
  instrumentId!: string;
}

export class FeatureQueryDto {
  @ApiProperty({ description: 'Close time of the bar: epoch milliseconds, or an ISO-8601 date-time', example: '2024-03-01T04:00:00Z' })
  @Matches(/^(\d{10,16}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))$/, { message: 'ts must be epoch milliseconds or an ISO-8601 date-time with a zone' })
  ts!: string;
}

export class FeatureVectorDto {
  @ApiProperty() instrumentId!: string;
  @ApiProperty({ description: 'Bar close time, epoch ms' }) tsEvent!: number;
  @ApiProperty({ description: 'featureSetVersion of the columns: a new definition never reads old vectors' }) featureSet!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true }, description: 'Feature name → value; null where the value is missing (NaN)' })
  features!: Record<string, number | null>;
}

/**
 * The feature vectors the ML strategy computed, read back from the Redis feature cache (kept for
 * `redis.featureTtlSeconds`): for dashboards, research and other services, without recomputing.
 */
@ApiTags('features')
@Controller('features')
export class FeaturesController {
  constructor(
    @Inject(FEATURE_CACHE) private readonly cache: FeatureCache,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
  ) {}

  @Get(':instrumentId')
  @ApiOperation({ summary: 'Feature vector of one instrument at one bar, from the feature cache' })
  @ApiOkResponse({ type: FeatureVectorDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  async vector(@Param() p: FeatureParamsDto, @Query() q: FeatureQueryDto): Promise<FeatureVectorDto> {
    const spec = this.config.instruments.find((i) => i.id === p.instrumentId);
    if (!spec) throw new NotFoundException(`unknown instrument ${p.instrumentId}`);
    const names = new FeaturePipeline(featureSpecFor(instrumentFromSpec(spec).base), { interval: '4h' }).names;
    const featureSet = featureSetVersion(names);
    const tsEvent = /^\d+$/.test(q.ts) ? Number(q.ts) : Date.parse(q.ts);
    const vector = await this.cache.get({ instrumentId: p.instrumentId, tsEvent, version: featureSet });
    if (vector === null) throw new NotFoundException(`no cached features for ${p.instrumentId} at ${new Date(tsEvent).toISOString()} (not computed, expired, or Redis is not configured)`);
    if (vector.length !== names.length) throw new NotFoundException(`cached vector has ${vector.length} values, the feature set ${featureSet} has ${names.length}`);
    return { instrumentId: p.instrumentId, tsEvent, featureSet, features: Object.fromEntries(names.map((name, i) => [name, Number.isFinite(vector[i]!) ? vector[i]! : null])) };
  }
}

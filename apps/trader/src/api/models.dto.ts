import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { MODEL_STAGES } from '@lib/ml';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MODEL_NAME_MESSAGE = 'name must be 1 to 200 characters of [A-Za-z0-9._-], starting with a letter or digit';

export class ModelsQueryDto {
  @ApiPropertyOptional({ example: 'signal-BTCUSDT-PERP' })
  @IsOptional()
  @Matches(MODEL_NAME, { message: MODEL_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ enum: MODEL_STAGES })
  @IsOptional()
  @IsIn(MODEL_STAGES)
  stage?: (typeof MODEL_STAGES)[number];
}

export class ModelNameParamsDto {
  @ApiProperty({ example: 'signal-BTCUSDT-PERP' })
  @Matches(MODEL_NAME, { message: MODEL_NAME_MESSAGE })
  name!: string;
}

export class ModelVersionParamsDto extends ModelNameParamsDto {
  @ApiProperty({ minimum: 1, example: 3 })
  @Type(() => Number)
  @IsInt({ message: 'version must be an integer' })
  @Min(1)
  @Max(2_147_483_647)
  version!: number;
}

export class ModelActionDto {
  @ApiProperty({ example: 'walk-forward IC holds on 2025 data', description: 'Stored in the stage history' })
  @IsString()
  @Matches(/^[^\n\r]{3,200}$/, { message: 'reason must be 3 to 200 characters on one line' })
  reason!: string;
}

export class ArtifactRefDto {
  @ApiProperty() uri!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty() size!: number;
}

export class GatesVerdictDto {
  @ApiProperty() promotable!: boolean;
  @ApiProperty({ type: [String] }) reasons!: string[];
}

export class ModelVersionDto {
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: MODEL_STAGES }) stage!: string;
  @ApiProperty({ example: 'gbdt' }) kind!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metrics!: Record<string, unknown>;
  @ApiProperty({ type: 'object', properties: { fromMs: { type: 'number' }, toMs: { type: 'number' } } }) dataRange!: { fromMs: number; toMs: number };
  @ApiProperty({ type: [String] }) features!: string[];
  @ApiProperty({ type: [String] }) selectedFeatures!: string[];
  @ApiProperty({ type: 'object', nullable: true, properties: { name: { type: 'string' }, version: { type: 'number' } } }) parent!: { name: string; version: number } | null;
  @ApiProperty({ type: ArtifactRefDto }) artifact!: ArtifactRefDto;
  @ApiProperty({ type: GatesVerdictDto }) gates!: GatesVerdictDto;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() createdAt!: number;
  @ApiProperty() updatedAt!: number;
  @ApiProperty() stageChangedAt!: number;
}

export class StageTransitionDto {
  @ApiProperty() seq!: number;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: MODEL_STAGES, nullable: true, type: String }) from!: string | null;
  @ApiProperty({ enum: MODEL_STAGES }) to!: string;
  @ApiProperty({ enum: ['register', 'stage', 'promote', 'archive', 'rollback'] }) action!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() at!: number;
}

export class ModelDetailDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: ModelVersionDto, nullable: true, description: 'The version serving now' }) production!: ModelVersionDto | null;
  @ApiProperty({ type: ModelVersionDto, nullable: true, description: 'What a rollback would restore' }) rollbackTarget!: ModelVersionDto | null;
  @ApiProperty({ type: [ModelVersionDto] }) versions!: ModelVersionDto[];
  @ApiProperty({ type: [StageTransitionDto] }) history!: StageTransitionDto[];
}

export class PromotionResultDto {
  @ApiProperty({ type: ModelVersionDto }) promoted!: ModelVersionDto;
  @ApiProperty({ type: ModelVersionDto, nullable: true, description: 'The previous Production version, now Archived' }) archived!: ModelVersionDto | null;
}

export class RollbackResultDto {
  @ApiProperty({ type: ModelVersionDto }) restored!: ModelVersionDto;
  @ApiProperty({ type: ModelVersionDto, nullable: true }) archived!: ModelVersionDto | null;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 50;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset = 0;
}

export class EventsQueryDto {
  @ApiPropertyOptional({ description: 'Return events after this stream position', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after = 0;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit = 500;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class StartBacktestDto {
  @ApiPropertyOptional({ example: 'binance', description: 'File prefix of the data: binance or bybit' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+$/, { message: 'source must be lower-case letters and digits, e.g. binance' })
  source?: string;

  @ApiPropertyOptional({ enum: ['1h', '4h', '1d'] })
  @IsOptional()
  @IsIn(['1h', '4h', '1d'])
  interval?: '1h' | '4h' | '1d';

  @ApiPropertyOptional({ type: [String], example: ['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  instruments?: string[];

  @ApiPropertyOptional({ example: '2024-01-01' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2024-07-01', description: 'exclusive' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ example: '100000' })
  @IsOptional()
  @Matches(/^\d+(\.\d+)?$/, { message: 'initialCapital must be a positive decimal string such as "100000"' })
  initialCapital?: string;
}

export class DecisionsQueryDto extends EventsQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT-PERP.BYBIT', description: 'Only the decisions of this instrument' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]+(-[A-Z0-9]+)*\.[A-Z0-9_]+$/, { message: 'instrument must look like BTCUSDT-PERP.BYBIT' })
  instrument?: string;
}

export class BreakerActionDto {
  @ApiProperty({ example: 'exchange incident', description: 'Why the operator acts; stored in the transition event' })
  @IsString()
  @Matches(/^[^\n\r]{3,200}$/, { message: 'reason must be 3 to 200 characters on one line' })
  reason!: string;
}

export class RunIdParamsDto {
  @ApiProperty({ example: 'bt-20260101-000000-abcd' })
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'runId must be 1 to 100 characters of [A-Za-z0-9._-]' })
  runId!: string;
}

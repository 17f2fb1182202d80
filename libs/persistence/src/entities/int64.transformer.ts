import type { ValueTransformer } from 'typeorm';
import { nullableInt64 } from '../sql/sql-values.js';

/** BIGINT columns as JS numbers on both drivers (node-postgres hands int8 back as a string). */
export const INT64_AS_NUMBER: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: unknown) => nullableInt64(value, 'bigint'),
};

import { createPartitionSql, monthIndexOf, monthOfBounds, monthPartition, monthsCovering, monthsOf, parseRangeBound, partitionName } from './monthly-partitions.js';

const JAN_2024 = Date.UTC(2024, 0, 1);
const FEB_2024 = Date.UTC(2024, 1, 1);

describe('monthly partitions', () => {
  it('bounds a month from its first ms (included) to the next month first ms (excluded), in UTC', () => {
    const m = monthIndexOf(Date.UTC(2024, 0, 31, 23, 59, 59, 999));
    expect(monthPartition('bars', m)).toEqual({ name: 'bars_p202401', from: JAN_2024, to: FEB_2024 });
    expect(monthIndexOf(FEB_2024)).toBe(m + 1);
    expect(partitionName('bars', monthIndexOf(Date.UTC(2023, 11, 15)))).toBe('bars_p202312');
  });

  it('covers every month of a range, and lists the distinct months of timestamps ascending', () => {
    expect(monthsCovering(Date.UTC(2023, 10, 20), Date.UTC(2024, 1, 2)).map((m) => partitionName('t', m))).toEqual(['t_p202311', 't_p202312', 't_p202401', 't_p202402']);
    expect(monthsOf([FEB_2024, JAN_2024 + 5, FEB_2024 - 1, JAN_2024]).map((m) => partitionName('t', m))).toEqual(['t_p202401', 't_p202402']);
  });

  it('writes the partition DDL with integer ms bounds', () => {
    expect(createPartitionSql('bars', monthIndexOf(JAN_2024))).toBe(
      `CREATE TABLE IF NOT EXISTS "bars_p202401" PARTITION OF "bars" FOR VALUES FROM (${JAN_2024}) TO (${FEB_2024})`,
    );
  });

  it("reads PostgreSQL's bound expression back, and only recognizes exact calendar months", () => {
    expect(parseRangeBound(`FOR VALUES FROM ('${JAN_2024}') TO ('${FEB_2024}')`)).toEqual({ from: JAN_2024, to: FEB_2024 });
    expect(parseRangeBound('DEFAULT')).toBeNull();
    expect(parseRangeBound('FOR VALUES FROM (MINVALUE) TO (\'5\')')).toBeNull();
    expect(monthOfBounds(JAN_2024, FEB_2024)).toBe(monthIndexOf(JAN_2024));
    expect(monthOfBounds(JAN_2024, FEB_2024 + 1)).toBeNull();
  });
});

import { barChart, horizontalBarChart, lineChart, renderEquityChart } from './svg-charts.js';

const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

describe('svg charts', () => {
  it('draws one polyline per series with every point inside the frame', () => {
    const svg = lineChart('IC', [
      { name: 'a', points: [[0, 1], [1, 2], [2, -1]] },
      { name: 'b', points: [[0, 0], [2, 3]] },
    ], { zeroLine: true });
    expect(count(svg, 'polyline')).toBe(2);
    const coords = [...svg.matchAll(/points="([^"]+)"/g)].flatMap((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
    for (const [x, y] of coords) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(900);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(320);
    }
    expect(svg).toContain('stroke-dasharray'); // the zero line, since values cross zero
  });

  it('colours positive and negative bars and escapes labels', () => {
    const svg = barChart('IC per window', [0.1, -0.05, 0.02], ['w1 <a&b>', 'w2', 'w3']);
    expect(count(svg, 'rect')).toBe(4); // background + 3 bars
    expect(svg.match(/#2ca02c/g)).toHaveLength(2);
    expect(svg.match(/#d62728/g)).toHaveLength(1);
    expect(svg).toContain('w1 &lt;a&amp;b&gt;');
  });

  it('orders horizontal bars largest first', () => {
    const svg = horizontalBarChart('importance', [{ name: 'small', value: 1 }, { name: 'big', value: 3 }]);
    expect(svg.indexOf('>big<')).toBeLessThan(svg.indexOf('>small<'));
  });

  it('says so instead of drawing when there is too little data', () => {
    expect(lineChart('x', [{ name: 'a', points: [[0, 1]] }])).toContain('not enough data');
    expect(renderEquityChart([], 'x')).toContain('not enough points');
  });
});

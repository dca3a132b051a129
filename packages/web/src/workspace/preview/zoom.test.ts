import { describe, expect, it } from 'vitest';

import { centred, fitScale, initialView, maxScale, minScale, panBy, percent, zoomAt } from './zoom';

const stage = { width: 800, height: 600 };

describe('image zoom', () => {
  it('fits a large image by its tighter side and centres it', () => {
    const image = { width: 4000, height: 1000 };
    expect(fitScale(image, stage)).toBe(0.2);
    expect(centred(image, stage, 0.2)).toEqual({ scale: 0.2, x: 0, y: 200 });
  });

  it('first shows a small image at its own size, centred, never enlarged', () => {
    expect(initialView({ width: 100, height: 50 }, stage)).toEqual({ scale: 1, x: 350, y: 275 });
  });

  it('keeps the point under the pointer still while zooming', () => {
    const view = { scale: 1, x: 100, y: 50 };
    const point = { x: 300, y: 250 };
    const zoomed = zoomAt(view, 2, point);
    expect(zoomed.scale).toBe(2);
    // The image pixel under the pointer before: ((300-100)/1, (250-50)/1) = (200, 200).
    expect((point.x - zoomed.x) / zoomed.scale).toBe(200);
    expect((point.y - zoomed.y) / zoomed.scale).toBe(200);
    expect(zoomAt(zoomed, 0.5, point)).toEqual(view);
  });

  it('stops at the smallest and largest scales', () => {
    const view = { scale: 1, x: 0, y: 0 };
    expect(zoomAt(view, 1000, { x: 0, y: 0 }).scale).toBe(maxScale);
    expect(zoomAt(view, 0.0001, { x: 0, y: 0 }).scale).toBe(minScale);
  });

  it('pans by the distance dragged and shows the scale as a percentage', () => {
    expect(panBy({ scale: 3, x: 10, y: 10 }, -4, 6)).toEqual({ scale: 3, x: 6, y: 16 });
    expect(percent(1.25)).toBe('125%');
    expect(percent(1 / 3)).toBe('33%');
  });

  it('a zero-sized image or stage fits at 1 rather than dividing by zero', () => {
    expect(fitScale({ width: 0, height: 0 }, stage)).toBe(1);
    expect(fitScale({ width: 10, height: 10 }, { width: 0, height: 0 })).toBe(1);
  });
});

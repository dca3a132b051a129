/**
 * The image viewer's geometry: a scale and where the image's top-left corner sits in the
 * stage, in CSS pixels. Zooming keeps the point under the pointer (or the stage's centre)
 * still; panning moves the corner.
 */
export interface Size {
  width: number;
  height: number;
}
export interface ImageView {
  scale: number;
  x: number;
  y: number;
}

export const minScale = 1 / 32;
export const maxScale = 32;
/** One press of Zoom in or out. */
export const zoomStep = 1.25;

export const clampScale = (scale: number) => Math.min(maxScale, Math.max(minScale, scale));

/** The scale that shows all of the image in the stage. */
export function fitScale(image: Size, stage: Size): number {
  if (image.width <= 0 || image.height <= 0 || stage.width <= 0 || stage.height <= 0) return 1;
  return clampScale(Math.min(stage.width / image.width, stage.height / image.height));
}

/** The image at `scale`, centred in the stage. */
export function centred(image: Size, stage: Size, scale: number): ImageView {
  return {
    scale,
    x: (stage.width - image.width * scale) / 2,
    y: (stage.height - image.height * scale) / 2,
  };
}

/** How an image first shows: whole, and never enlarged past its own pixels. */
export const initialView = (image: Size, stage: Size) =>
  centred(image, stage, Math.min(1, fitScale(image, stage)));

/** Scales by `factor` about `point` (stage coordinates), which stays where it is. */
export function zoomAt(view: ImageView, factor: number, point: { x: number; y: number }) {
  const scale = clampScale(view.scale * factor);
  const ratio = scale / view.scale;
  return {
    scale,
    x: point.x - (point.x - view.x) * ratio,
    y: point.y - (point.y - view.y) * ratio,
  };
}

export const panBy = (view: ImageView, dx: number, dy: number): ImageView => ({
  ...view,
  x: view.x + dx,
  y: view.y + dy,
});

/** A wheel turn as a zoom factor: one notch (100 px of deltaY) zooms by about 1.2×. */
export const wheelFactor = (deltaY: number) => Math.exp(-deltaY * 0.002);

export const percent = (scale: number) => `${Math.round(scale * 100)}%`;

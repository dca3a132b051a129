/**
 * An image that zooms (wheel, buttons, + − 0 keys) and pans (drag, arrow keys). SVG shows
 * through <img> too, never inline, so its scripts cannot run in the page.
 */
import { routes } from '@workcell/protocol';
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';

import { routeUrl } from '../../api/api';
import { baseName, formatSize } from '../editor/paths';
import {
  centred,
  fitScale,
  initialView,
  panBy,
  percent,
  wheelFactor,
  zoomAt,
  zoomStep,
  type ImageView,
  type Size,
} from './zoom';
import './ImageViewer.css';

/** Pixels an arrow key moves the image; with Shift, a larger step. */
const keyStep = 40;
const arrows: Record<string, [number, number]> = {
  ArrowLeft: [1, 0],
  ArrowRight: [-1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
};

export function ImageViewer(props: {
  workspace: string;
  path: string;
  size: number;
  revision: number;
}) {
  const [image, setImage] = useState<Size>();
  const [stage, setStage] = useState<Size>();
  /** Undefined until the user zooms or pans: until then the image shows whole. */
  const [chosen, setChosen] = useState<ImageView>();
  const [failed, setFailed] = useState(false);
  const stageRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number }>(undefined);
  const initial = image && stage ? initialView(image, stage) : undefined;
  const view = chosen ?? initial;
  const initialRef = useRef(initial);
  useEffect(() => {
    initialRef.current = initial;
  });
  /** Changes the view the user sees now, the initial one if they have not chosen yet. */
  const change = (how: (view: ImageView) => ImageView) =>
    setChosen((current) => {
      const base = current ?? initialRef.current;
      return base && how(base);
    });
  const source = routeUrl(routes.readRaw, {
    uuid: props.workspace,
    path: props.path,
    query: { v: props.revision },
  });

  useEffect(() => {
    const element = stageRef.current;
    if (!element) return;
    const measure = () => setStage({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    // React's wheel listener is passive; zooming must stop the page from scrolling.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      const point = { x: event.clientX - box.left, y: event.clientY - box.top };
      change((current) => zoomAt(current, wheelFactor(event.deltaY), point));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      observer.disconnect();
      element.removeEventListener('wheel', onWheel);
    };
  }, []);

  const zoomBy = (factor: number) => {
    if (stage)
      change((current) => zoomAt(current, factor, { x: stage.width / 2, y: stage.height / 2 }));
  };
  const show = (scale: (image: Size, stage: Size) => number) => {
    if (image && stage) setChosen(centred(image, stage, scale(image, stage)));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const arrow = arrows[event.key];
    if (arrow) {
      const step = event.shiftKey ? keyStep * 5 : keyStep;
      change((current) => panBy(current, arrow[0] * step, arrow[1] * step));
    } else if (event.key === '+' || event.key === '=') zoomBy(zoomStep);
    else if (event.key === '-') zoomBy(1 / zoomStep);
    else if (event.key === '0') show(() => 1);
    else return;
    event.preventDefault();
  };
  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent) => {
    const last = drag.current;
    if (!last) return;
    drag.current = { x: event.clientX, y: event.clientY };
    change((current) => panBy(current, event.clientX - last.x, event.clientY - last.y));
  };
  const endDrag = () => (drag.current = undefined);

  return (
    <figure className="image-viewer">
      <div className="image-toolbar" role="toolbar" aria-label="Zoom">
        <button
          type="button"
          className="button"
          aria-label="Zoom out"
          onClick={() => zoomBy(1 / zoomStep)}
        >
          −
        </button>
        <span className="image-zoom" aria-live="polite" aria-label="Zoom level">
          {view ? percent(view.scale) : ''}
        </span>
        <button
          type="button"
          className="button"
          aria-label="Zoom in"
          onClick={() => zoomBy(zoomStep)}
        >
          +
        </button>
        <button type="button" className="button" onClick={() => show(() => 1)}>
          Actual size
        </button>
        <button type="button" className="button" onClick={() => show(fitScale)}>
          Fit
        </button>
      </div>
      <div
        ref={stageRef}
        className="image-stage"
        tabIndex={0}
        role="group"
        aria-label={`${baseName(props.path)}: drag or use the arrow keys to pan, + and − to zoom`}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
      >
        {failed ? (
          <p role="alert">This image cannot be displayed.</p>
        ) : (
          <img
            src={source}
            alt={baseName(props.path)}
            draggable={false}
            style={
              view && image
                ? {
                    width: image.width,
                    height: image.height,
                    transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
                    // Enlarged pixels stay sharp squares, as an image editor shows them.
                    imageRendering: view.scale >= 2 ? 'pixelated' : 'auto',
                  }
                : { visibility: 'hidden' }
            }
            onLoad={(event) => {
              setFailed(false);
              setChosen(undefined);
              // An SVG without width and height has no natural size; show it at a usual one.
              setImage({
                width: event.currentTarget.naturalWidth || 300,
                height: event.currentTarget.naturalHeight || 150,
              });
            }}
            onError={() => setFailed(true)}
          />
        )}
      </div>
      <figcaption>
        {baseName(props.path)} · {formatSize(props.size)}
        {image && ` · ${image.width} × ${image.height} px`}
      </figcaption>
    </figure>
  );
}

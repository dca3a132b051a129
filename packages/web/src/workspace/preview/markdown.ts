/**
 * Markdown to a sanitised DOM fragment: marked renders it, DOMPurify removes scripts, event
 * handlers and javascript: links, then links open in a new tab and relative links and
 * images point at the workspace's raw files. The fragment goes into the page as nodes,
 * never re-parsed from a string, so nothing can change meaning on the way.
 */
import { routes } from '@workcell/protocol';
import DOMPurify from 'dompurify';
import { marked } from 'marked';

import { routeUrl } from '../../api/api';
import { baseName } from '../editor/paths';

/** A scheme ("https:", "mailto:"), a host ("//cdn"), a root path or a fragment: left alone. */
const notRelative = /^([a-z][a-z\d+.-]*:|\/|#)/i;

/**
 * Where a link written in the file at `from` points inside the workspace, or undefined when
 * it is not relative or climbs above the workspace's root.
 */
export function resolveRelative(from: string, link: string): string | undefined {
  if (link === '' || notRelative.test(link)) return undefined;
  const target = link.replace(/[?#].*$/, '');
  const parts = from.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (segment !== '.' && segment !== '') parts.push(safeDecode(segment));
  }
  return parts.join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function renderMarkdown(
  markdown: string,
  file: { workspace: string; path: string },
): DocumentFragment {
  const html = marked.parse(markdown, { async: false, gfm: true });
  const fragment = DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true });
  const raw = (link: string) => {
    const path = resolveRelative(file.path, link);
    return path === undefined
      ? undefined
      : routeUrl(routes.readRaw, { uuid: file.workspace, path });
  };
  for (const image of fragment.querySelectorAll('img[src]')) {
    const written = image.getAttribute('src')!;
    const source = raw(written);
    if (source) image.setAttribute('src', source);
    // An <img> written without alt still gets a name: its file's.
    if (!image.hasAttribute('alt'))
      image.setAttribute('alt', baseName(written.replace(/[?#].*$/, '')));
  }
  for (const anchor of fragment.querySelectorAll('a[href]')) {
    const href = anchor.getAttribute('href')!;
    if (href.startsWith('#')) continue;
    anchor.setAttribute('href', raw(href) ?? href);
    anchor.setAttribute('target', '_blank');
    anchor.setAttribute('rel', 'noopener noreferrer');
  }
  return fragment;
}

// DOMPurify does not sanitise under happy-dom (it keeps <script>); jsdom is a DOM it supports.
// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';

import { renderMarkdown, resolveRelative } from './markdown';

const file = { workspace: 'w1', path: 'docs/guide/README.md' };
function html(markdown: string): HTMLElement {
  const host = document.createElement('div');
  host.append(renderMarkdown(markdown, file));
  return host;
}

describe('renderMarkdown', () => {
  it('renders headings, lists, code and tables', () => {
    const host = html('# Title\n\n- one\n- two\n\n`code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(host.querySelector('h1')?.textContent).toBe('Title');
    expect([...host.querySelectorAll('li')].map((item) => item.textContent)).toEqual([
      'one',
      'two',
    ]);
    expect(host.querySelector('code')?.textContent).toBe('code');
    expect(host.querySelectorAll('td')).toHaveLength(2);
  });

  it('drops scripts, event handlers and javascript: links written in the file', () => {
    const host = html(
      [
        '<script>window.pwned = 1</script>',
        '<img src="x.png" onerror="window.pwned = 2">',
        '<a href="javascript:alert(1)" onclick="alert(2)">click</a>',
        '[also](javascript:alert(3))',
        '<iframe src="https://example.com"></iframe>',
      ].join('\n\n'),
    );
    expect(host.querySelector('script, iframe')).toBeNull();
    expect(host.innerHTML).not.toMatch(/onerror|onclick|javascript:|pwned/);
    expect(host.querySelector('img')).not.toBeNull();
  });

  it('opens links in a new tab without handing it this page', () => {
    const link = html('[site](https://example.com/a)').querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://example.com/a');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    const anchor = html('[down](#usage)').querySelector('a')!;
    expect(anchor.getAttribute('target')).toBeNull();
  });

  it('points relative images and links at the workspace’s raw files', () => {
    const host = html('![plot](../img/plot%201.png)\n\n[data](data.csv#top)');
    expect(host.querySelector('img')!.getAttribute('src')).toBe(
      '/api/workspace/w1/raw/docs/img/plot%201.png',
    );
    expect(host.querySelector('a')!.getAttribute('href')).toBe(
      '/api/workspace/w1/raw/docs/guide/data.csv',
    );
    expect(host.querySelector('img')!.getAttribute('alt')).toBe('plot');
    const unnamed = html('<img src="pics/cat.png?x=1">').querySelector('img')!;
    expect(unnamed.getAttribute('alt')).toBe('cat.png');
  });
});

describe('resolveRelative', () => {
  it('resolves against the file’s folder and leaves the rest alone', () => {
    expect(resolveRelative('a/b.md', './c/d.png')).toBe('a/c/d.png');
    expect(resolveRelative('b.md', 'c.png?raw=1')).toBe('c.png');
    expect(resolveRelative('a/b.md', '../../up.png')).toBeUndefined();
    expect(resolveRelative('a/b.md', 'https://x/y.png')).toBeUndefined();
    expect(resolveRelative('a/b.md', '//cdn/y.png')).toBeUndefined();
    expect(resolveRelative('a/b.md', '/abs.png')).toBeUndefined();
    expect(resolveRelative('a/b.md', 'data:image/png;base64,AA')).toBeUndefined();
  });
});

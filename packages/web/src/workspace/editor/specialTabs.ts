/**
 * The tabs that are no workspace file: library files "go to definition" led to, read-only
 * and never saved, and comparisons of two open files. The area shows them beside the
 * documents; each library file's model lives as long as its tab.
 */
import type { OpenDocs } from './docs';
import { readOnlyKey, type ReadOnlyDoc } from './editorRequests';
import { compareKey, comparisonOf } from './groups/compareTabs';
import { monaco } from './monaco';

export interface LibraryTab {
  doc: { path: string; content: string };
  model: monaco.editor.ITextModel;
}

export class SpecialTabs {
  readonly libraries = new Map<string, LibraryTab>();
  private readonly comparisons = new Set<string>();

  constructor(private readonly docs: OpenDocs) {}

  /** Every such tab that can be shown: a comparison only while both its files are open. */
  keys = (): string[] => [
    ...this.libraries.keys(),
    ...[...this.comparisons].filter((key) => {
      const pair = comparisonOf(key);
      return pair && this.docs.has(pair.left) && this.docs.has(pair.right);
    }),
  ];

  has(key: string): boolean {
    return this.libraries.has(key) || this.comparisons.has(key);
  }

  /** The library file's tab key; its model is made the first time. */
  library(doc: ReadOnlyDoc): string {
    const key = readOnlyKey(doc.uri);
    if (!this.libraries.has(key)) {
      const uri = monaco.Uri.parse(doc.uri);
      monaco.editor.getModel(uri)?.dispose();
      this.libraries.set(key, {
        doc,
        model: monaco.editor.createModel(doc.content, 'python', uri),
      });
    }
    return key;
  }

  /** The key of the comparison of two open files. */
  compare(left: string, right: string): string {
    const key = compareKey({ left, right });
    this.comparisons.add(key);
    return key;
  }

  /** The tab is closed in every group. */
  forget(key: string): void {
    this.libraries.get(key)?.model.dispose();
    this.libraries.delete(key);
    this.comparisons.delete(key);
  }

  dispose(): void {
    for (const tab of this.libraries.values()) tab.model.dispose();
    this.libraries.clear();
  }
}

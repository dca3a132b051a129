/**
 * Tests only: the part of ./monaco the open documents use, with text models that hold a
 * string, so documents can be tested without Monaco (which needs a real browser). Use as
 * `vi.mock('…/editor/monaco', () => import('…/editor/fakeMonaco'))`.
 */
type Listener = () => void;

const models = new Map<string, FakeModel>();

export class FakeModel {
  private readonly listeners = new Set<Listener>();
  private disposed = false;
  private versionId = 1;

  constructor(
    private text: string,
    readonly uri: string,
  ) {}

  getValue(): string {
    return this.text;
  }

  getVersionId(): number {
    return this.versionId;
  }

  /** What typing does. */
  setValue(text: string): void {
    this.text = text;
    this.versionId++;
    for (const listener of [...this.listeners]) listener();
  }

  pushEditOperations(_selections: unknown, edits: Array<{ text: string }>): null {
    this.setValue(edits[0]?.text ?? '');
    return null;
  }

  pushStackElement(): void {}

  getFullModelRange(): object {
    return {};
  }

  updateOptions(): void {}

  onDidChangeContent(listener: Listener) {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    if (models.get(this.uri) === this) models.delete(this.uri);
  }
}

export const monaco = {
  editor: {
    createModel: (text: string, _language: string | undefined, uri: string) => {
      const model = new FakeModel(text, uri);
      models.set(uri, model);
      return model;
    },
    getModel: (uri: string) => models.get(uri) ?? null,
  },
};

export function fileUri(path: string): string {
  return `file:///workspace/${path}`;
}

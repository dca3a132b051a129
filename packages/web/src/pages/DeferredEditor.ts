import type { EditorHandle } from '../workspace/contracts';

/**
 * The editor's handle from the page's first render, though the editor's chunk loads after
 * the rest of the page: files opened before it is there (the workspace's main file, a
 * click in the tree) open when it arrives. Until then nothing can be unsaved. Every call
 * goes to the editor area's newest handle: `attach` is its ref, called again (null, then
 * the new one) whenever the area makes a new handle.
 */
export class DeferredEditor implements EditorHandle {
  private editor: EditorHandle | null = null;
  private readonly waiting: ((editor: EditorHandle) => void)[] = [];

  /** `onOpen` hears of every file shown, so a phone's page can switch to the editor. */
  constructor(private readonly onOpen: () => void = () => {}) {}

  /** The editor area's current handle (null when it goes or is about to be replaced). */
  readonly attach = (editor: EditorHandle | null): void => {
    this.editor = editor;
    if (editor) for (const call of this.waiting.splice(0)) call(editor);
  };

  open(path: string): void {
    this.onOpen();
    this.whenThere((editor) => editor.open(path));
  }

  openAt(path: string, line: number, column?: number): void {
    this.onOpen();
    this.whenThere((editor) => editor.openAt(path, line, column));
  }

  saveAll(): Promise<void> {
    return this.editor?.saveAll() ?? Promise.resolve();
  }

  split(): void {
    this.editor?.split();
  }

  moveEditor(direction: 'left' | 'right'): void {
    this.editor?.moveEditor(direction);
  }

  compareActive(): void {
    this.editor?.compareActive();
  }

  compare(left: string, right: string): void {
    this.onOpen();
    this.whenThere((editor) => editor.compare(left, right));
  }

  runEditorAction(id: string): void {
    this.editor?.runEditorAction(id);
  }

  focus(): void {
    this.editor?.focus();
  }

  private whenThere(call: (editor: EditorHandle) => void): void {
    if (this.editor) call(this.editor);
    else this.waiting.push(call);
  }
}

/**
 * The documents a browser has open, with their text as the language server has it, so a
 * restarted (or handed-over) language server can be told them again. Follows didOpen,
 * didChange (whole or ranged changes; positions in UTF-16 code units, LSP's default and
 * JavaScript's own) and didClose.
 */
interface Doc {
  languageId: string;
  version: number;
  text: string;
}

interface Position {
  line: number;
  character: number;
}
interface Change {
  range?: { start: Position; end: Position };
  text: string;
}

/** Keeps the documents small enough to replay: past this many, tracking stops. */
const MAX_DOCUMENTS = 500;

export class OpenDocuments {
  private readonly docs = new Map<string, Doc>();

  /** Follows a client notification; ignores anything malformed (the server will too). */
  follow(method: string, params: unknown): void {
    const p = params as {
      textDocument?: { uri?: unknown; languageId?: unknown; version?: unknown; text?: unknown };
      contentChanges?: unknown;
    };
    const uri = p?.textDocument?.uri;
    if (typeof uri !== 'string') return;
    if (method === 'textDocument/didOpen') {
      const { languageId, version, text } = p.textDocument!;
      if (typeof text !== 'string' || this.docs.size >= MAX_DOCUMENTS) return;
      this.docs.set(uri, {
        languageId: typeof languageId === 'string' ? languageId : 'python',
        version: typeof version === 'number' ? version : 0,
        text,
      });
    } else if (method === 'textDocument/didChange') {
      const doc = this.docs.get(uri);
      if (!doc || !Array.isArray(p.contentChanges)) return;
      for (const change of p.contentChanges as Change[]) {
        if (typeof change?.text !== 'string') continue;
        doc.text = change.range ? applyRange(doc.text, change.range, change.text) : change.text;
      }
      if (typeof p.textDocument!.version === 'number') doc.version = p.textDocument!.version;
    } else if (method === 'textDocument/didClose') {
      this.docs.delete(uri);
    }
  }

  /** didOpen notifications that bring a fresh server to the same state. */
  openNotifications(): { method: string; params: unknown }[] {
    return [...this.docs].map(([uri, doc]) => ({
      method: 'textDocument/didOpen',
      params: { textDocument: { uri, ...doc } },
    }));
  }

  /** didClose notifications for every open document (when a server changes hands). */
  closeNotifications(): { method: string; params: unknown }[] {
    return [...this.docs.keys()].map((uri) => ({
      method: 'textDocument/didClose',
      params: { textDocument: { uri } },
    }));
  }
}

function offsetOf(text: string, { line, character }: Position): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf('\n', offset);
  return Math.min(offset + character, lineEnd < 0 ? text.length : lineEnd);
}

function applyRange(text: string, range: { start: Position; end: Position }, insert: string) {
  return (
    text.slice(0, offsetOf(text, range.start)) + insert + text.slice(offsetOf(text, range.end))
  );
}

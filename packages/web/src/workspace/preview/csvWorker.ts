/**
 * The CSV worker: parses a file's text with papaparse and sorts and filters its rows off
 * the page's thread, so a 100,000-row file never freezes the page.
 */
import { csvHandler, type CsvReply, type CsvRequest } from './csvProtocol';

const handle = csvHandler((message: CsvReply, transfer: Transferable[] = []) =>
  self.postMessage(message, { transfer }),
);
self.onmessage = (event: MessageEvent<CsvRequest>) => handle(event.data);

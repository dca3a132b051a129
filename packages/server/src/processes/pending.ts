/** Questions sent over the IPC channel, each answered by a message naming its number. */
export class PendingAnswers<T> {
  private readonly waiting = new Map<number, (answer: T | undefined) => void>();
  private next = 0;

  /** Sends the question with a fresh number; resolves with its answer, or undefined after `ms`. */
  ask(send: (request: number) => void, ms: number): Promise<T | undefined> {
    const request = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(request, undefined), ms);
      this.waiting.set(request, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send(request);
    });
  }

  answer(request: number, answer: T | undefined): void {
    this.waiting.get(request)?.(answer);
    this.waiting.delete(request);
  }

  /** The other side went: nothing pending will be answered. */
  abandon(): void {
    for (const request of [...this.waiting.keys()]) this.answer(request, undefined);
  }
}

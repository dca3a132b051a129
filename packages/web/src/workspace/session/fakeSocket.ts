/** Tests only: the parts of WorkcellSocket a workspace session uses, driven by the test. */
import type { ClientMessage, ServerMessage } from '@workcell/protocol';
import { act } from '@testing-library/react';

import type { WorkcellSocket } from '../../connection/socket';

export function fakeSocket() {
  const messageListeners = new Set<(message: ServerMessage) => void>();
  const openListeners = new Set<() => void>();
  const sent: ClientMessage[] = [];
  const socket = {
    onMessage: (listener: (message: ServerMessage) => void) => {
      messageListeners.add(listener);
      return () => void messageListeners.delete(listener);
    },
    onOpen: (listener: () => void) => {
      openListeners.add(listener);
      return () => void openListeners.delete(listener);
    },
    send: (message: ClientMessage) => {
      sent.push(message);
      return true;
    },
  };
  return {
    socket: socket as unknown as WorkcellSocket,
    sent,
    emit: (message: ServerMessage) => act(() => messageListeners.forEach((l) => l(message))),
    open: () => act(() => openListeners.forEach((l) => l())),
    listeners: () => messageListeners.size + openListeners.size,
  };
}

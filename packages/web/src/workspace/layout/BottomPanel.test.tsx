import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { BottomPanel, type BottomTab } from './BottomPanel';

afterEach(cleanup);

function Harness() {
  const [tab, setTab] = useState<BottomTab>('terminal');
  const [host, setHost] = useState<HTMLElement | null>(null);
  return (
    <>
      <BottomPanel
        tab={tab}
        onTab={setTab}
        terminal={<p>a shell</p>}
        problemCount={2}
        onProblemsHost={setHost}
        focusProblems={0}
      />
      <p data-testid="host">{host ? 'host ready' : 'no host'}</p>
    </>
  );
}

describe('BottomPanel', () => {
  it('shows one tab at a time, switched by a click or the arrow keys', () => {
    render(<Harness />);
    const terminalTab = screen.getByRole('tab', { name: 'Terminal' });
    const problemsTab = screen.getByRole('tab', { name: /^Problems\s*2$/ });
    expect(terminalTab.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('region', { name: 'Terminal' }).textContent).toBe('a shell');
    expect(screen.queryByRole('region', { name: 'Problems' })).toBeNull();
    expect(screen.getByTestId('host').textContent).toBe('host ready');

    fireEvent.click(problemsTab);
    expect(problemsTab.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('region', { name: 'Problems' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Terminal' })).toBeNull();

    fireEvent.keyDown(problemsTab, { key: 'ArrowLeft' });
    expect(terminalTab.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(terminalTab);
  });
});

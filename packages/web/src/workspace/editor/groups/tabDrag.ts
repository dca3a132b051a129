/** What a dragged editor tab carries: its key and the group it leaves. */
const TYPE = 'application/x-workcell-editor-tab';

export interface DraggedTab {
  key: string;
  group: number;
}

export function startTabDrag(event: React.DragEvent, tab: DraggedTab): void {
  event.dataTransfer.setData(TYPE, JSON.stringify(tab));
  event.dataTransfer.effectAllowed = 'move';
}

/** Whether the drag carries a tab: only then may it be dropped on a tab strip. */
export const carriesTab = (event: React.DragEvent) => event.dataTransfer.types.includes(TYPE);

export function droppedTab(event: React.DragEvent): DraggedTab | undefined {
  try {
    const value = JSON.parse(event.dataTransfer.getData(TYPE)) as Partial<DraggedTab>;
    return typeof value.key === 'string' && typeof value.group === 'number'
      ? { key: value.key, group: value.group }
      : undefined;
  } catch {
    return undefined;
  }
}

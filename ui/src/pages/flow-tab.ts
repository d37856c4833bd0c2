import type { Flow } from '../api';

/** What each tab of a flow's page is given. */
export interface FlowTabProps {
  flow: Flow;
  /** Call after a change (a save, a new revision) so the page shows it. */
  reload(): void;
}

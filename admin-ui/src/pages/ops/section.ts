/**
 * What the operations page gives each reference-data section it loads (users, departments, categories,
 * calendar): where to render and whether this user may change anything. Each section is its own chunk.
 */
export interface SectionContext {
  /** Administrators edit; anyone else gets the lists without any edit control. */
  canEdit: boolean;
}

/** Renders a section into `el` and keeps it up to date itself. */
export type MountSection = (el: HTMLElement, ctx: SectionContext) => void;

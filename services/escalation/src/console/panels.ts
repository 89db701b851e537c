import { SOURCE_TITLES, type SourceAnswer } from './sources';

/** A part of a page its source could not give: said plainly, never filled with made-up data. */
export interface Panel {
  readonly kind: 'unconfigured' | 'failed';
  /** What is missing from the page. */
  readonly what: string;
  readonly text: string;
}

/** The panel of an answer that is not there; null for an answer the page can show. */
export function panelOf(answer: SourceAnswer<unknown>, what: string): Panel | null {
  switch (answer.kind) {
    case 'ok':
      return null;
    case 'unconfigured':
      return { kind: 'unconfigured', what, text: `This console is not configured to read ${SOURCE_TITLES[answer.source]}, so ${what} cannot be shown here.` };
    case 'absent':
      return { kind: 'failed', what, text: `${capitalised(SOURCE_TITLES[answer.source])} does not know it: ${answer.detail}` };
    case 'failed':
      return { kind: 'failed', what, text: `${capitalised(SOURCE_TITLES[answer.source])} could not be read: ${answer.reason}` };
    default:
      return assertNever(answer);
  }
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

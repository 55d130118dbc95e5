import type { Logger } from '../logger.js';
import type { Vendor } from '../domain/vendor.js';
import { cut } from '../text.js';
import type { ShownAs } from './zod-helpers.js';

/** Items told about one by one; past this many, they are only counted (memory stays bounded). */
const REMEMBERED = 1_000;
/** How often, at most, the count of items not told about one by one is logged. */
const SUMMARY_EVERY_MS = 60_000;
/**
 * An item is named by this much of its id at most: vendor ids have no length limit, and 1,000
 * remembered ids of a megabyte each (a vendor's garbage) would be a gigabyte kept and logged.
 */
const ITEM_CHARS = 200;

/**
 * Tells operators that a vendor sent a value the gateway cannot read and shows as null (or as
 * status UNKNOWN, as empty, or leaves out of a list): once per account, field and item per process,
 * as a warning, since every later list meets the same value. It names the field and the item, never the value itself. Past
 * REMEMBERED items, the values met are counted, and a line says how many a minute after the first
 * of them (then a minute after the next, and so on): at most one a minute, none lost.
 */
export class UnreadableValues {
  private readonly reported = new Set<string>();
  private unlisted = 0;
  private summary: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly vendor: Vendor,
    private readonly account: string,
  ) {}

  report(field: string, id: string, shownAs: ShownAs): void {
    const item = id.length > ITEM_CHARS ? `${cut(id, ITEM_CHARS)}…` : id;
    const key = `${field}\u0000${item}`;
    if (this.reported.has(key)) return;
    if (this.reported.size < REMEMBERED) {
      this.reported.add(key);
      this.logger.warn({ vendor: this.vendor, account: this.account, field, item, shownAs }, 'the vendor sent a value the gateway cannot read');
      return;
    }
    this.unlisted++;
    this.summary ??= setTimeout(() => this.summarise(), SUMMARY_EVERY_MS).unref();
  }

  /** At shutdown (the account's close): the count still waiting for its minute is told now, not lost with the process. */
  flush(): void {
    if (this.summary === undefined) return;
    clearTimeout(this.summary);
    this.summarise();
  }

  private summarise(): void {
    this.summary = undefined;
    this.logger.warn(
      { vendor: this.vendor, account: this.account, unlisted: this.unlisted },
      'the vendor sent more values the gateway cannot read than are told one by one (unlisted: met in the last minute)',
    );
    this.unlisted = 0;
  }
}

import type { Logger } from '../logger.js';
import type { Vendor } from '../domain/vendor.js';

/** More distinct values than this, and the memory of what was reported starts over. */
const REMEMBERED = 1_000;

/**
 * Tells operators that a vendor sent a value the gateway cannot read and shows as null (or as
 * status UNKNOWN): once per account and value per process, as a warning, since every later list
 * meets the same value. It names the field and the item, never the value itself.
 */
export class UnreadableValues {
  private readonly reported = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly vendor: Vendor,
    private readonly account: string,
  ) {}

  report(field: string, item: string, shownAs: 'null' | 'UNKNOWN'): void {
    const key = `${field}\u0000${item}`;
    if (this.reported.has(key)) return;
    if (this.reported.size >= REMEMBERED) this.reported.clear();
    this.reported.add(key);
    this.logger.warn(
      { vendor: this.vendor, account: this.account, field, item, shownAs },
      'the vendor sent a value the gateway cannot read',
    );
  }
}

/** The largest page `credentials` serves (`first`/`last`), and the page when neither is given. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

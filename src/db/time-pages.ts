/** A page of a target's history (results or flips), newest first: the rows in [from, before), at most `limit`. */
export interface TimePage {
  /** Inclusive lower bound. */
  from: Date | '-infinity';
  /** Exclusive upper bound: the range's end, or a cursor's instant when that is earlier. */
  before: Date | 'infinity';
  limit: number;
}

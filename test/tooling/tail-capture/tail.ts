/** A tail consumer: prints each trace item the runtime delivers, as JSON on one line. */
export default {
  tail(events: unknown[]): void {
    for (const event of events) console.log(`TAIL ${JSON.stringify(event)}`);
  },
};

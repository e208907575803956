/**
 * The one worker pool of the settings (Graph calls go through $batch, client/batch.ts; calls that
 * cannot be batched, e.g. Exchange cmdlets or lookups, go through this).
 */
/**
 * Runs `fn` over `items` with at most `limit` calls at a time; results in the order of `items`. After
 * the first failure no new item is started (calls in flight finish), and that failure is thrown.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (next < items.length && !failed) {
            const i = next++;
            try {
                results[i] = await fn(items[i]);
            } catch (err) {
                failed = true;
                throw err;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

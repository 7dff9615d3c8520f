/** The lag charts' series colours (the end-to-end test looks for their pixels in the chart). */
export const LAG_COLOURS = { p50: '#1c7ed6', p99: '#e8590c' } as const;

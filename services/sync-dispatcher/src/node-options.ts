/**
 * The dispatcher's Node options as deployed (docker-compose.yml, the Helm values; the benchmarks
 * start it with them). A full ARI push allocates fast, and with Node's defaults on a large machine
 * V8 grows the young generation to 134 MB and the old one well past what is live before
 * collecting: 420-440 MB resident for 50-75 MB live. A young generation of at most 3 x 32 MB and a
 * bounded old one keep the push at 260-280 MB, no slower (scripts/bench-rates). A smaller young
 * generation saves more (8 MB: about 200-230 MB) but collects so often that availability pushes
 * wait: the sync benchmark's p99 at 200 bookings/s went from 300-430 ms to 600-900 ms.
 */
export const DISPATCHER_NODE_OPTIONS = '--disable-warning=TimeoutNegativeWarning --max-semi-space-size=32 --max-old-space-size=256';

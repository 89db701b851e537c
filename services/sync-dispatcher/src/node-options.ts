/**
 * The dispatcher's Node options as deployed (docker-compose.yml, the Helm values; the rates
 * benchmark starts it with them). A full ARI push allocates fast, and with Node's defaults on a
 * large machine V8 grows the young generation to 134 MB and the old one well past what is live
 * before collecting: 440 MB resident for 50-75 MB live. A small young generation and a bounded old
 * one keep the push near 230 MB and no slower (scripts/bench-rates).
 */
export const DISPATCHER_NODE_OPTIONS = '--disable-warning=TimeoutNegativeWarning --max-semi-space-size=8 --max-old-space-size=256';

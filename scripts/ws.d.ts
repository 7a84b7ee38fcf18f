// The part of `ws` (installed with miniflare; Node 20 has WebSocket only behind a flag) that
// scripts/inspector-profiler.mjs uses; the package ships no types.
declare module "ws" {
  export default class WebSocket {
    constructor(url: string);
    once(event: "open" | "error", listener: (err?: Error) => void): this;
    on(event: "message", listener: (data: { toString(): string }) => void): this;
    on(event: "close", listener: () => void): this;
    send(data: string): void;
    close(): void;
  }
}

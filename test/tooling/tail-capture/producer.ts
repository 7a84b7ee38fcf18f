import { logSample } from "./sample";

/** Logs the sample on every request; its tail consumer (tail.ts) prints what the runtime hands a tail. */
export default {
  fetch(): Response {
    logSample();
    return new Response("ok");
  },
};

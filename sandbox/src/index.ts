import { SandboxWorld } from "./world";

export { SandboxWorld };

/** Every request is served by the one SandboxWorld object, so state is consistent. */
export default {
  fetch(request, env) {
    return env.WORLD.get(env.WORLD.idFromName("world")).fetch(request);
  },
} satisfies ExportedHandler<Env>;

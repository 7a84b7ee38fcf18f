import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The test harness's Durable Object wrapper, as installed (the plugin ships it as source). */
const HARNESS_FILE = fileURLToPath(new URL("../../node_modules/@cloudflare/vitest-plugin/dist/worker/lib/cloudflare/test-internal.mjs", import.meta.url));

/**
 * The Durable Object wrapper of the test harness (workers-sdk#15092): it must install its
 * prototype Proxy once, or every object created makes every later method lookup slower,
 * until a deep enough chain overflows the stack (load runs hit that at ~10,000 objects).
 */
type WrapperFactory = (superClass: new () => object, unknownKey: (key: string) => unknown) => new () => object;

/** `createProxyPrototypeClass` out of the harness source, runnable in Node. */
function wrapperFactoryOf(source: string): WrapperFactory {
  const start = source.indexOf("function createProxyPrototypeClass(");
  expect(start, "the harness still defines createProxyPrototypeClass").toBeGreaterThanOrEqual(0);
  const end = source.indexOf("\n}\n", start);
  return new Function("IGNORED_KEYS", `${source.slice(start, end + 2)}\nreturn createProxyPrototypeClass;`)(["self"]) as WrapperFactory;
}

class Base {
  hello() {
    return "hi";
  }
}

/** Creates many objects; returns how many distinct prototypes the wrapper class went through. */
function prototypesAfter(factory: WrapperFactory, objects: number) {
  const Wrapped = factory(Base, (key) => `rpc:${key}`);
  const seen = new Set<unknown>();
  for (let i = 0; i < objects; i++) {
    new Wrapped();
    seen.add(Wrapped.prototype);
  }
  const instance = new Wrapped() as Base & Record<string, unknown>;
  return { prototypes: seen.size, instance };
}

const BUGGY_RELEASE = [
  "function createProxyPrototypeClass(superClass, getUnknownPrototypeKey) {",
  "\tfunction Class(...args) {",
  "\t\tClass.prototype = new Proxy(Class.prototype, { get(target, key, receiver) {",
  "\t\t\tconst value = Reflect.get(target, key, receiver);",
  "\t\t\tif (value !== void 0) return value;",
  '\t\t\tif (typeof key === "symbol" || IGNORED_KEYS.includes(key)) return;',
  "\t\t\treturn getUnknownPrototypeKey.call(receiver, key);",
  "\t\t} });",
  "\t\treturn Reflect.construct(superClass, args, Class);",
  "\t}",
  "\tReflect.setPrototypeOf(Class.prototype, superClass.prototype);",
  "\tReflect.setPrototypeOf(Class, superClass);",
  "\treturn Class;",
  "}",
  "",
].join("\n");

describe("test harness: Durable Object wrapper (workers-sdk#15092)", () => {
  it("the buggy release (vitest-pool-workers 0.15.1) re-wraps the prototype on every construction", () => {
    expect(prototypesAfter(wrapperFactoryOf(BUGGY_RELEASE), 100).prototypes).toBe(100);
  });

  it("the installed harness installs the proxy once: 20,000 objects, one prototype, RPC delegation intact", () => {
    const { prototypes, instance } = prototypesAfter(wrapperFactoryOf(readFileSync(HARNESS_FILE, "utf8")), 20_000);
    expect(prototypes).toBe(1);
    expect(instance.hello()).toBe("hi");
    expect(instance.someRpcMethod).toBe("rpc:someRpcMethod");
    expect(instance.self).toBeUndefined();
  });
});

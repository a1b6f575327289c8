// hostile-as: the failure modes of the AssemblyScript runtime. Built with `--use abort=` (build.mjs), so `abort`
// (throw, failed assertions, allocation failure) compiles to `unreachable`. See ../README.md.
import { Plugin, CommandResult, registerPlugin } from "../../sdk/assemblyscript/wasm_plugin";
export * from "../../sdk/assemblyscript/exports";

let counter: u64 = 0;
let calls: u64 = 0;
let stopAt: i32 = -1;
let sink: i32 = 0;
let keep = new Array<ArrayBuffer>();

function recurse(n: i32): i32 {
  if (n == stopAt) return sink;
  const r = recurse(n + 1);
  sink = r + n;
  return r + 1;
}

function memoryBytes(): u64 {
  return <u64>memory.size() << 16;
}

class Hostile extends Plugin {
  runCommand(id: string, args: string, result: CommandResult): void {
    calls++;
    if (id == "spin") {
      while (true) counter++;
    } else if (id == "bomb") {
      while (true) keep.push(new ArrayBuffer(1 << 20));
    } else if (id == "bomb-string") {
      let s = "0123456789abcdef";
      while (true) s = s + s;
    } else if (id == "overflow") {
      sink = recurse(0);
      result.setValue("\"returned?\"");
    } else if (id == "throw") {
      throw new Error("hostile-as threw");
    } else if (id == "lone-surrogate") {
      result.setValue("\"A\uD800B\"");
    } else if (id == "ok") {
      result.setValue("{\"ok\":true,\"calls\":" + calls.toString() + ",\"memoryBytes\":" + memoryBytes().toString() + "}");
    } else {
      result.fail("hostile-as has no command " + id);
    }
  }
}

registerPlugin(new Hostile());

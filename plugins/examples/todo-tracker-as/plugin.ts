// todo-tracker: keeps a diagnostic (severity information) on every `TODO` of the documents being edited, counts the
// change batches it receives, lists the TODOs of the active document and shows all of them in a panel.
// Built with the AssemblyScript SDK (plugins/sdk/assemblyscript).
import {
  Plugin, CommandResult, Event, EventKind, Actions, Diagnostic, Range, Severity, NotifyLevel, LogLevel, Status,
  registerPlugin, activeDocument, documentText, log, jsonString, jsonGetString, htmlEscape,
} from "../../sdk/assemblyscript/wasm_plugin";
export * from "../../sdk/assemblyscript/exports";

class Todo {
  constructor(public line: i32, public character: i32, public text: string) {}
}

/** Every occurrence of `TODO`, with the rest of its line (trimmed) as text. Columns are UTF-16, like VS Code's. */
function scan(text: string): Todo[] {
  const out = new Array<Todo>();
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    let at = line.indexOf("TODO");
    while (at >= 0) {
      out.push(new Todo(n, at, line.substring(at).trim()));
      at = line.indexOf("TODO", at + 4);
    }
  }
  return out;
}

/** The last path segment of a URI, percent-decoded. */
function fileName(uri: string): string {
  let end = uri.length;
  const q = uri.indexOf("?");
  if (q >= 0) end = q;
  const h = uri.indexOf("#");
  if (h >= 0 && h < end) end = h;
  const path = uri.substring(0, end);
  const start = max(path.lastIndexOf("/"), path.lastIndexOf(":")) + 1;
  return decodeURIComponent(path.substring(start));
}

function todosJson(uri: string, todos: Todo[], withUri: bool): string {
  let out = "";
  for (let i = 0; i < todos.length; i++) {
    const t = todos[i];
    if (out.length > 0) out += ",";
    out += "{" + (withUri ? "\"uri\":" + jsonString(uri) + "," : "") + "\"line\":" + t.line.toString() +
      ",\"character\":" + t.character.toString() + ",\"text\":" + jsonString(t.text) + "}";
  }
  return out;
}

class TodoTracker extends Plugin {
  batches: i64 = 0;
  changes: i64 = 0;
  uris: string[] = [];
  todos: Map<string, Todo[]> = new Map<string, Todo[]>();

  remember(uri: string, todos: Todo[]): void {
    if (!this.todos.has(uri)) this.uris.push(uri);
    this.todos.set(uri, todos);
  }

  totalTodos(): i64 {
    let total: i64 = 0;
    for (let i = 0; i < this.uris.length; i++) total += this.todos.get(this.uris[i]).length;
    return total;
  }

  handleEvent(event: Event, actions: Actions): void {
    if (event.kind != EventKind.DocumentChanged) return;
    const doc = event.document;
    if (doc === null) return;
    this.batches++;
    this.changes += event.changes.length;
    const text = documentText(doc.uri);
    if (!text.ok) {
      log(LogLevel.Warning, "cannot read " + doc.uri + ": " + text.message);
      return;
    }
    const todos = scan(text.value);
    this.remember(doc.uri, todos);
    const diagnostics = new Array<Diagnostic>();
    for (let i = 0; i < todos.length; i++) {
      const t = todos[i];
      diagnostics.push(new Diagnostic(Range.of(t.line, t.character, t.line, t.character + 4), Severity.Information, t.text, "todo"));
    }
    actions.setDiagnostics(doc.uri, diagnostics);
  }

  runCommand(id: string, args: string, result: CommandResult): void {
    if (id == "todo-stats") {
      result.setValue("{\"batches\":" + this.batches.toString() + ",\"changes\":" + this.changes.toString() +
        ",\"todos\":" + this.totalTodos().toString() + "}");
    } else if (id == "list-todos") {
      const active = activeDocument();
      if (!active.ok) {
        result.actions.notify(NotifyLevel.Warning, "Cannot read the active editor: " + active.message);
        return;
      }
      const doc = active.value;
      if (doc === null) {
        result.actions.notify(NotifyLevel.Info, "No active editor.");
        return;
      }
      const text = documentText(doc.uri);
      if (!text.ok) {
        result.actions.notify(NotifyLevel.Warning, "Cannot read " + doc.uri + ": " + text.message);
        return;
      }
      const todos = scan(text.value);
      this.remember(doc.uri, todos);
      const name = fileName(doc.uri);
      if (todos.length == 0) {
        result.actions.notify(NotifyLevel.Info, "No TODOs in " + name);
      } else {
        let message = todos.length.toString() + " TODOs in " + name + ":";
        for (let i = 0; i < todos.length; i++) message += (i > 0 ? ";" : "") + " " + (todos[i].line + 1).toString() + ": " + todos[i].text;
        result.actions.notify(NotifyLevel.Info, message);
      }
      result.setValue("{\"file\":" + jsonString(name) + ",\"todos\":[" + todosJson(doc.uri, todos, false) + "]}");
    } else if (id == "show-todos") {
      result.actions.openPanel("todos");
    } else {
      result.fail("todo-tracker has no command " + id);
    }
  }

  renderPanel(panelId: string, state: string): string {
    let html = "<h2>TODOs</h2><p>Batches: <span id=\"batches\">" + this.batches.toString() + "</span>, changes: <span id=\"changes\">" +
      this.changes.toString() + "</span></p><ul id=\"todos\">";
    for (let u = 0; u < this.uris.length; u++) {
      const uri = this.uris[u];
      const todos = this.todos.get(uri);
      for (let i = 0; i < todos.length; i++) {
        html += "<li>" + htmlEscape(fileName(uri)) + ":" + (todos[i].line + 1).toString() + " — " + htmlEscape(todos[i].text) + "</li>";
      }
    }
    return html + "</ul><button data-message='{\"type\":\"refresh\"}'>Refresh</button>";
  }

  /** {"type":"refresh"} → posts {"type":"todos","batches":B,"changes":C,"todos":[{uri,line,character,text}…]}. */
  panelMessage(panelId: string, message: string, actions: Actions): void {
    const type = jsonGetString(message, "type");
    if (type === null || type != "refresh") {
      actions.postToPanel(panelId, "{\"type\":\"error\",\"message\":\"unknown message type\"}");
      return;
    }
    let items = "";
    for (let u = 0; u < this.uris.length; u++) {
      const uri = this.uris[u];
      const part = todosJson(uri, this.todos.get(uri), true);
      if (part.length > 0) items += (items.length > 0 ? "," : "") + part;
    }
    actions.postToPanel(panelId, "{\"type\":\"todos\",\"batches\":" + this.batches.toString() + ",\"changes\":" +
      this.changes.toString() + ",\"todos\":[" + items + "]}");
  }
}

registerPlugin(new TodoTracker());

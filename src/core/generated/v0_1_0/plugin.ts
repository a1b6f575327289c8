/*---------------------------------------------------------------------------------------------
 *  Copyright (c) Microsoft Corporation. All rights reserved.
 *  Licensed under the MIT License. See License.txt in the project root for license information.
 *--------------------------------------------------------------------------------------------*/
/* eslint-disable @typescript-eslint/ban-types */
import * as $wcm from '@vscode/wasm-component-model';
import type { u32, i32, ptr, result } from '@vscode/wasm-component-model';

/**
 * Values shared by the host interfaces and the plugin exports.
 * Positions are zero-based and count UTF-16 code units, exactly like VS Code's `Position`.
 */
export namespace Types {
	export type Position = {
		line: u32;
		character: u32;
	};

	export type Range = {
		start: Position;
		end: Position;
	};

	export type TextEdit = {
		range: Range;
		newText: string;
	};

	/**
	 * Edits to one document, identified by its URI as VS Code prints it (`file:///…`, `untitled:…`).
	 */
	export type DocumentEdit = {
		uri: string;
		edits: TextEdit[];
	};

	export type DocumentInfo = {
		uri: string;
		languageId: string;
		version: u32;
		lineCount: u32;
		isDirty: boolean;
	};

	export type Selection = {
		anchor: Position;
		active: Position;
	};

	export enum LogLevel {
		trace = 'trace',
		debug = 'debug',
		info = 'info',
		warning = 'warning',
		error = 'error'
	}

	export enum NotifyLevel {
		info = 'info',
		warning = 'warning',
		error = 'error'
	}

	export enum Severity {
		error = 'error',
		warning = 'warning',
		information = 'information',
		hint = 'hint'
	}

	export type Diagnostic = {
		range: Range;
		severity: Severity;
		message: string;
		code?: string | undefined;
	};

	/**
	 * Why a host function refused or failed, with a message for the log. `denied` means the capability is not granted:
	 * the plugin should tell the user what it needs.
	 */
	export namespace HostError {
		export const denied = 'denied' as const;
		export type Denied = { readonly tag: typeof denied; readonly value: string } & _common;
		export function Denied(value: string): Denied {
			return new VariantImpl(denied, value) as Denied;
		}

		export const notFound = 'notFound' as const;
		export type NotFound = { readonly tag: typeof notFound; readonly value: string } & _common;
		export function NotFound(value: string): NotFound {
			return new VariantImpl(notFound, value) as NotFound;
		}

		export const invalid = 'invalid' as const;
		export type Invalid = { readonly tag: typeof invalid; readonly value: string } & _common;
		export function Invalid(value: string): Invalid {
			return new VariantImpl(invalid, value) as Invalid;
		}

		export const tooLarge = 'tooLarge' as const;
		export type TooLarge = { readonly tag: typeof tooLarge; readonly value: string } & _common;
		export function TooLarge(value: string): TooLarge {
			return new VariantImpl(tooLarge, value) as TooLarge;
		}

		export const failed = 'failed' as const;
		export type Failed = { readonly tag: typeof failed; readonly value: string } & _common;
		export function Failed(value: string): Failed {
			return new VariantImpl(failed, value) as Failed;
		}

		export type _tt = typeof denied | typeof notFound | typeof invalid | typeof tooLarge | typeof failed;
		export type _vt = string | string | string | string | string;
		type _common = Omit<VariantImpl, 'tag' | 'value'>;
		export function _ctor(t: _tt, v: _vt): HostError {
			return new VariantImpl(t, v) as HostError;
		}
		class VariantImpl {
			private readonly _tag: _tt;
			private readonly _value: _vt;
			constructor(t: _tt, value: _vt) {
				this._tag = t;
				this._value = value;
			}
			get tag(): _tt {
				return this._tag;
			}
			get value(): _vt {
				return this._value;
			}
			isDenied(): this is Denied {
				return this._tag === HostError.denied;
			}
			isNotFound(): this is NotFound {
				return this._tag === HostError.notFound;
			}
			isInvalid(): this is Invalid {
				return this._tag === HostError.invalid;
			}
			isTooLarge(): this is TooLarge {
				return this._tag === HostError.tooLarge;
			}
			isFailed(): this is Failed {
				return this._tag === HostError.failed;
			}
		}
	}
	export type HostError = HostError.Denied | HostError.NotFound | HostError.Invalid | HostError.TooLarge | HostError.Failed;
	export namespace HostError {
		export class Error_ extends $wcm.ResultError<HostError> {
			constructor(cause: HostError) {
				super(`HostError: ${cause}`, cause);
			}
		}
	}

	export enum StorageScope {
		global = 'global',
		workspace = 'workspace'
	}

	export enum SaveReason {
		manual = 'manual',
		afterDelay = 'afterDelay',
		focusOut = 'focusOut'
	}

	export type WillSave = {
		document: DocumentInfo;
		reason: SaveReason;
	};

	export type ContentChange = {
		range: Range;
		text: string;
	};

	/**
	 * All changes made to one document since the previous `document-changed` event, oldest first.
	 */
	export type DocumentChange = {
		document: DocumentInfo;
		changes: ContentChange[];
	};

	export type SelectionChange = {
		uri: string;
		selections: Selection[];
	};

	export namespace EditorEvent {
		export const documentOpened = 'documentOpened' as const;
		export type DocumentOpened = { readonly tag: typeof documentOpened; readonly value: DocumentInfo } & _common;
		export function DocumentOpened(value: DocumentInfo): DocumentOpened {
			return new VariantImpl(documentOpened, value) as DocumentOpened;
		}

		export const documentSaved = 'documentSaved' as const;
		export type DocumentSaved = { readonly tag: typeof documentSaved; readonly value: DocumentInfo } & _common;
		export function DocumentSaved(value: DocumentInfo): DocumentSaved {
			return new VariantImpl(documentSaved, value) as DocumentSaved;
		}


		/**
		 * Edits returned for this event are applied before the document is written.
		 */
		export const documentWillSave = 'documentWillSave' as const;
		export type DocumentWillSave = { readonly tag: typeof documentWillSave; readonly value: WillSave } & _common;
		export function DocumentWillSave(value: WillSave): DocumentWillSave {
			return new VariantImpl(documentWillSave, value) as DocumentWillSave;
		}

		export const documentChanged = 'documentChanged' as const;
		export type DocumentChanged = { readonly tag: typeof documentChanged; readonly value: DocumentChange } & _common;
		export function DocumentChanged(value: DocumentChange): DocumentChanged {
			return new VariantImpl(documentChanged, value) as DocumentChanged;
		}

		export const documentClosed = 'documentClosed' as const;
		export type DocumentClosed = { readonly tag: typeof documentClosed; readonly value: DocumentInfo } & _common;
		export function DocumentClosed(value: DocumentInfo): DocumentClosed {
			return new VariantImpl(documentClosed, value) as DocumentClosed;
		}

		export const activeEditorChanged = 'activeEditorChanged' as const;
		export type ActiveEditorChanged = { readonly tag: typeof activeEditorChanged; readonly value: DocumentInfo | undefined } & _common;
		export function ActiveEditorChanged(value: DocumentInfo | undefined): ActiveEditorChanged {
			return new VariantImpl(activeEditorChanged, value) as ActiveEditorChanged;
		}

		export const selectionChanged = 'selectionChanged' as const;
		export type SelectionChanged = { readonly tag: typeof selectionChanged; readonly value: SelectionChange } & _common;
		export function SelectionChanged(value: SelectionChange): SelectionChanged {
			return new VariantImpl(selectionChanged, value) as SelectionChanged;
		}


		/**
		 * The configuration sections (e.g. `editor.tabSize`) that changed and that the plugin declared interest in.
		 */
		export const configurationChanged = 'configurationChanged' as const;
		export type ConfigurationChanged = { readonly tag: typeof configurationChanged; readonly value: string[] } & _common;
		export function ConfigurationChanged(value: string[]): ConfigurationChanged {
			return new VariantImpl(configurationChanged, value) as ConfigurationChanged;
		}

		export type _tt = typeof documentOpened | typeof documentSaved | typeof documentWillSave | typeof documentChanged | typeof documentClosed | typeof activeEditorChanged | typeof selectionChanged | typeof configurationChanged;
		export type _vt = DocumentInfo | DocumentInfo | WillSave | DocumentChange | DocumentInfo | DocumentInfo | undefined | SelectionChange | string[];
		type _common = Omit<VariantImpl, 'tag' | 'value'>;
		export function _ctor(t: _tt, v: _vt): EditorEvent {
			return new VariantImpl(t, v) as EditorEvent;
		}
		class VariantImpl {
			private readonly _tag: _tt;
			private readonly _value: _vt;
			constructor(t: _tt, value: _vt) {
				this._tag = t;
				this._value = value;
			}
			get tag(): _tt {
				return this._tag;
			}
			get value(): _vt {
				return this._value;
			}
			isDocumentOpened(): this is DocumentOpened {
				return this._tag === EditorEvent.documentOpened;
			}
			isDocumentSaved(): this is DocumentSaved {
				return this._tag === EditorEvent.documentSaved;
			}
			isDocumentWillSave(): this is DocumentWillSave {
				return this._tag === EditorEvent.documentWillSave;
			}
			isDocumentChanged(): this is DocumentChanged {
				return this._tag === EditorEvent.documentChanged;
			}
			isDocumentClosed(): this is DocumentClosed {
				return this._tag === EditorEvent.documentClosed;
			}
			isActiveEditorChanged(): this is ActiveEditorChanged {
				return this._tag === EditorEvent.activeEditorChanged;
			}
			isSelectionChanged(): this is SelectionChanged {
				return this._tag === EditorEvent.selectionChanged;
			}
			isConfigurationChanged(): this is ConfigurationChanged {
				return this._tag === EditorEvent.configurationChanged;
			}
		}
	}
	export type EditorEvent = EditorEvent.DocumentOpened | EditorEvent.DocumentSaved | EditorEvent.DocumentWillSave | EditorEvent.DocumentChanged | EditorEvent.DocumentClosed | EditorEvent.ActiveEditorChanged | EditorEvent.SelectionChanged | EditorEvent.ConfigurationChanged;

	export type Notification = {
		level: NotifyLevel;
		message: string;
	};

	export type PanelMessage = {
		panelId: string;

		/**
		 * JSON text.
		 */
		message: string;
	};

	export type DocumentDiagnostics = {
		uri: string;
		diagnostics: Diagnostic[];
	};

	export namespace Action {
		export const notify = 'notify' as const;
		export type Notify = { readonly tag: typeof notify; readonly value: Notification } & _common;
		export function Notify(value: Notification): Notify {
			return new VariantImpl(notify, value) as Notify;
		}


		/**
		 * Replace every selection of the active editor with this text.
		 */
		export const insertText = 'insertText' as const;
		export type InsertText = { readonly tag: typeof insertText; readonly value: string } & _common;
		export function InsertText(value: string): InsertText {
			return new VariantImpl(insertText, value) as InsertText;
		}

		export const applyEdit = 'applyEdit' as const;
		export type ApplyEdit = { readonly tag: typeof applyEdit; readonly value: DocumentEdit } & _common;
		export function ApplyEdit(value: DocumentEdit): ApplyEdit {
			return new VariantImpl(applyEdit, value) as ApplyEdit;
		}

		export const setStatus = 'setStatus' as const;
		export type SetStatus = { readonly tag: typeof setStatus; readonly value: string } & _common;
		export function SetStatus(value: string): SetStatus {
			return new VariantImpl(setStatus, value) as SetStatus;
		}

		export const postToPanel = 'postToPanel' as const;
		export type PostToPanel = { readonly tag: typeof postToPanel; readonly value: PanelMessage } & _common;
		export function PostToPanel(value: PanelMessage): PostToPanel {
			return new VariantImpl(postToPanel, value) as PostToPanel;
		}

		export const openPanel = 'openPanel' as const;
		export type OpenPanel = { readonly tag: typeof openPanel; readonly value: string } & _common;
		export function OpenPanel(value: string): OpenPanel {
			return new VariantImpl(openPanel, value) as OpenPanel;
		}

		export const setDiagnostics = 'setDiagnostics' as const;
		export type SetDiagnostics = { readonly tag: typeof setDiagnostics; readonly value: DocumentDiagnostics } & _common;
		export function SetDiagnostics(value: DocumentDiagnostics): SetDiagnostics {
			return new VariantImpl(setDiagnostics, value) as SetDiagnostics;
		}

		export type _tt = typeof notify | typeof insertText | typeof applyEdit | typeof setStatus | typeof postToPanel | typeof openPanel | typeof setDiagnostics;
		export type _vt = Notification | string | DocumentEdit | string | PanelMessage | string | DocumentDiagnostics;
		type _common = Omit<VariantImpl, 'tag' | 'value'>;
		export function _ctor(t: _tt, v: _vt): Action {
			return new VariantImpl(t, v) as Action;
		}
		class VariantImpl {
			private readonly _tag: _tt;
			private readonly _value: _vt;
			constructor(t: _tt, value: _vt) {
				this._tag = t;
				this._value = value;
			}
			get tag(): _tt {
				return this._tag;
			}
			get value(): _vt {
				return this._value;
			}
			isNotify(): this is Notify {
				return this._tag === Action.notify;
			}
			isInsertText(): this is InsertText {
				return this._tag === Action.insertText;
			}
			isApplyEdit(): this is ApplyEdit {
				return this._tag === Action.applyEdit;
			}
			isSetStatus(): this is SetStatus {
				return this._tag === Action.setStatus;
			}
			isPostToPanel(): this is PostToPanel {
				return this._tag === Action.postToPanel;
			}
			isOpenPanel(): this is OpenPanel {
				return this._tag === Action.openPanel;
			}
			isSetDiagnostics(): this is SetDiagnostics {
				return this._tag === Action.setDiagnostics;
			}
		}
	}
	export type Action = Action.Notify | Action.InsertText | Action.ApplyEdit | Action.SetStatus | Action.PostToPanel | Action.OpenPanel | Action.SetDiagnostics;

	export type CommandResult = {

		/**
		 * JSON text handed back to whoever ran the command (`executeCommand`), if anything.
		 */
		value?: string | undefined;
		actions: Action[];
	};
}
export type Types = {
};

/**
 * The plugin's own log (no capability needed).
 */
export namespace Log {
	export type LogLevel = Types.LogLevel;
	export const LogLevel = Types.LogLevel;

	/**
	 * Writes to the plugin's own output channel.
	 */
	export type write = (level: LogLevel, message: string) => void;
}
export type Log = {
	write: Log.write;
};

export namespace Notifications {
	export type NotifyLevel = Types.NotifyLevel;
	export const NotifyLevel = Types.NotifyLevel;

	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * @throws HostError.Error_
	 */
	export type show = (level: NotifyLevel, message: string) => void;
}
export type Notifications = {
	show: Notifications.show;
};

export namespace StatusBar {
	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * Sets the text of the plugin's status bar item; empty text hides it.
	 *
	 * @throws HostError.Error_
	 */
	export type setText = (text: string, tooltip: string | undefined) => void;
}
export type StatusBar = {
	setText: StatusBar.setText;
};

export namespace EditorRead {
	export type DocumentInfo = Types.DocumentInfo;

	export type Selection = Types.Selection;

	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * @throws HostError.Error_
	 */
	export type activeDocument = () => DocumentInfo | undefined;

	/**
	 * Full text of an open document.
	 *
	 * @throws HostError.Error_
	 */
	export type documentText = (uri: string) => string;

	/**
	 * Selections of the active editor.
	 *
	 * @throws HostError.Error_
	 */
	export type selections = () => Selection[];
}
export type EditorRead = {
	activeDocument: EditorRead.activeDocument;
	documentText: EditorRead.documentText;
	selections: EditorRead.selections;
};

export namespace EditorWrite {
	export type DocumentEdit = Types.DocumentEdit;

	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * @throws HostError.Error_
	 */
	export type applyEdit = (edit: DocumentEdit) => void;
}
export type EditorWrite = {
	applyEdit: EditorWrite.applyEdit;
};

export namespace Diagnostics {
	export type Diagnostic = Types.Diagnostic;

	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * Replaces this plugin's diagnostics for a document; an empty list clears them.
	 *
	 * @throws HostError.Error_
	 */
	export type set = (uri: string, items: Diagnostic[]) => void;
}
export type Diagnostics = {
	set: Diagnostics.set;
};

export namespace Storage {
	export type StorageScope = Types.StorageScope;
	export const StorageScope = Types.StorageScope;

	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * @throws HostError.Error_
	 */
	export type get = (scope: StorageScope, key: string) => string | undefined;

	/**
	 * @throws HostError.Error_
	 */
	export type set = (scope: StorageScope, key: string, value: string) => void;

	/**
	 * @throws HostError.Error_
	 */
	export type remove = (scope: StorageScope, key: string) => void;

	/**
	 * @throws HostError.Error_
	 */
	export type keys = (scope: StorageScope) => string[];
}
export type Storage = {
	get: Storage.get;
	set: Storage.set;
	remove: Storage.remove;
	keys: Storage.keys;
};

export namespace WorkspaceRead {
	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * Reads a UTF-8 text file; `path` is relative to the first workspace folder.
	 *
	 * @throws HostError.Error_
	 */
	export type readFile = (path: string) => string;
}
export type WorkspaceRead = {
	readFile: WorkspaceRead.readFile;
};

export namespace WorkspaceWrite {
	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * Writes a UTF-8 text file atomically; `path` is relative to the first workspace folder.
	 *
	 * @throws HostError.Error_
	 */
	export type writeFile = (path: string, contents: string) => void;
}
export type WorkspaceWrite = {
	writeFile: WorkspaceWrite.writeFile;
};

export namespace Configuration {
	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * The value of a setting such as `editor.tabSize`, as JSON text; none when it is not set anywhere.
	 *
	 * @throws HostError.Error_
	 */
	export type get = (key: string) => string | undefined;
}
export type Configuration = {
	get: Configuration.get;
};

export namespace Panels {
	export type HostError = Types.HostError;
	export const HostError = Types.HostError;

	/**
	 * Sends a JSON message to one of this plugin's open panels.
	 *
	 * @throws HostError.Error_
	 */
	export type postMessage = (panelId: string, message: string) => void;
}
export type Panels = {
	postMessage: Panels.postMessage;
};
export namespace plugin {
	export type EditorEvent = Types.EditorEvent;
	export const EditorEvent = Types.EditorEvent;
	export type Action = Types.Action;
	export const Action = Types.Action;
	export type CommandResult = Types.CommandResult;
	export type Imports = {
		log: Log;
		notifications: Notifications;
		statusBar: StatusBar;
		editorRead: EditorRead;
		editorWrite: EditorWrite;
		diagnostics: Diagnostics;
		storage: Storage;
		workspaceRead: WorkspaceRead;
		workspaceWrite: WorkspaceWrite;
		configuration: Configuration;
		panels: Panels;
	};
	export namespace Imports {
		export type Promisified = $wcm.$imports.Promisify<Imports>;
	}
	export namespace imports {
		export type Promisify<T> = $wcm.$imports.Promisify<T>;
	}
	export type Exports = {
		/**
		 * Called once before any other export. An error keeps the plugin from running and is shown to the user.
		 *
		 * @throws $wcm.wstring.Error
		 */
		activate: () => void;
		deactivate: () => void;
		/**
		 * `args` is JSON text (`null` when the command palette runs it).
		 *
		 * @throws $wcm.wstring.Error
		 */
		runCommand: (id: string, args: string) => CommandResult;
		handleEvent: (event: EditorEvent) => Action[];
		/**
		 * Returns the panel's HTML body. `state` is the JSON the panel last saved (`null` the first time).
		 */
		renderPanel: (panelId: string, state: string) => string;
		/**
		 * A message the panel's web page posted (JSON text).
		 */
		panelMessage: (panelId: string, message: string) => Action[];
	};
	export namespace Exports {
		export type Promisified = $wcm.$exports.Promisify<Exports>;
	}
	export namespace exports {
		export type Promisify<T> = $wcm.$exports.Promisify<T>;
	}
}

export namespace Types.$ {
	export const Position = new $wcm.RecordType<Types.Position>([
		['line', $wcm.u32],
		['character', $wcm.u32],
	]);
	export const Range = new $wcm.RecordType<Types.Range>([
		['start', Position],
		['end', Position],
	]);
	export const TextEdit = new $wcm.RecordType<Types.TextEdit>([
		['range', Range],
		['newText', $wcm.wstring],
	]);
	export const DocumentEdit = new $wcm.RecordType<Types.DocumentEdit>([
		['uri', $wcm.wstring],
		['edits', new $wcm.ListType<Types.TextEdit>(TextEdit)],
	]);
	export const DocumentInfo = new $wcm.RecordType<Types.DocumentInfo>([
		['uri', $wcm.wstring],
		['languageId', $wcm.wstring],
		['version', $wcm.u32],
		['lineCount', $wcm.u32],
		['isDirty', $wcm.bool],
	]);
	export const Selection = new $wcm.RecordType<Types.Selection>([
		['anchor', Position],
		['active', Position],
	]);
	export const LogLevel = new $wcm.EnumType<Types.LogLevel>(['trace', 'debug', 'info', 'warning', 'error']);
	export const NotifyLevel = new $wcm.EnumType<Types.NotifyLevel>(['info', 'warning', 'error']);
	export const Severity = new $wcm.EnumType<Types.Severity>(['error', 'warning', 'information', 'hint']);
	export const Diagnostic = new $wcm.RecordType<Types.Diagnostic>([
		['range', Range],
		['severity', Severity],
		['message', $wcm.wstring],
		['code', new $wcm.OptionType<string>($wcm.wstring)],
	]);
	export const HostError = new $wcm.VariantType<Types.HostError, Types.HostError._tt, Types.HostError._vt>([['denied', $wcm.wstring], ['notFound', $wcm.wstring], ['invalid', $wcm.wstring], ['tooLarge', $wcm.wstring], ['failed', $wcm.wstring]], Types.HostError._ctor);
	export const StorageScope = new $wcm.EnumType<Types.StorageScope>(['global', 'workspace']);
	export const SaveReason = new $wcm.EnumType<Types.SaveReason>(['manual', 'afterDelay', 'focusOut']);
	export const WillSave = new $wcm.RecordType<Types.WillSave>([
		['document', DocumentInfo],
		['reason', SaveReason],
	]);
	export const ContentChange = new $wcm.RecordType<Types.ContentChange>([
		['range', Range],
		['text', $wcm.wstring],
	]);
	export const DocumentChange = new $wcm.RecordType<Types.DocumentChange>([
		['document', DocumentInfo],
		['changes', new $wcm.ListType<Types.ContentChange>(ContentChange)],
	]);
	export const SelectionChange = new $wcm.RecordType<Types.SelectionChange>([
		['uri', $wcm.wstring],
		['selections', new $wcm.ListType<Types.Selection>(Selection)],
	]);
	export const EditorEvent = new $wcm.VariantType<Types.EditorEvent, Types.EditorEvent._tt, Types.EditorEvent._vt>([['documentOpened', DocumentInfo], ['documentSaved', DocumentInfo], ['documentWillSave', WillSave], ['documentChanged', DocumentChange], ['documentClosed', DocumentInfo], ['activeEditorChanged', new $wcm.OptionType<Types.DocumentInfo>(DocumentInfo)], ['selectionChanged', SelectionChange], ['configurationChanged', new $wcm.ListType<string>($wcm.wstring)]], Types.EditorEvent._ctor);
	export const Notification = new $wcm.RecordType<Types.Notification>([
		['level', NotifyLevel],
		['message', $wcm.wstring],
	]);
	export const PanelMessage = new $wcm.RecordType<Types.PanelMessage>([
		['panelId', $wcm.wstring],
		['message', $wcm.wstring],
	]);
	export const DocumentDiagnostics = new $wcm.RecordType<Types.DocumentDiagnostics>([
		['uri', $wcm.wstring],
		['diagnostics', new $wcm.ListType<Types.Diagnostic>(Diagnostic)],
	]);
	export const Action = new $wcm.VariantType<Types.Action, Types.Action._tt, Types.Action._vt>([['notify', Notification], ['insertText', $wcm.wstring], ['applyEdit', DocumentEdit], ['setStatus', $wcm.wstring], ['postToPanel', PanelMessage], ['openPanel', $wcm.wstring], ['setDiagnostics', DocumentDiagnostics]], Types.Action._ctor);
	export const CommandResult = new $wcm.RecordType<Types.CommandResult>([
		['value', new $wcm.OptionType<string>($wcm.wstring)],
		['actions', new $wcm.ListType<Types.Action>(Action)],
	]);
}
export namespace Types._ {
	export const id = 'wasm-plugin-host:api/types@0.1.0' as const;
	export const witName = 'types' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['Position', $.Position],
		['Range', $.Range],
		['TextEdit', $.TextEdit],
		['DocumentEdit', $.DocumentEdit],
		['DocumentInfo', $.DocumentInfo],
		['Selection', $.Selection],
		['LogLevel', $.LogLevel],
		['NotifyLevel', $.NotifyLevel],
		['Severity', $.Severity],
		['Diagnostic', $.Diagnostic],
		['HostError', $.HostError],
		['StorageScope', $.StorageScope],
		['SaveReason', $.SaveReason],
		['WillSave', $.WillSave],
		['ContentChange', $.ContentChange],
		['DocumentChange', $.DocumentChange],
		['SelectionChange', $.SelectionChange],
		['EditorEvent', $.EditorEvent],
		['Notification', $.Notification],
		['PanelMessage', $.PanelMessage],
		['DocumentDiagnostics', $.DocumentDiagnostics],
		['Action', $.Action],
		['CommandResult', $.CommandResult]
	]);
	export type WasmInterface = {
	};
}

export namespace Log.$ {
	export const LogLevel = Types.$.LogLevel;
	export const write = new $wcm.FunctionType<Log.write>('write',[
		['level', LogLevel],
		['message', $wcm.wstring],
	], undefined);
}
export namespace Log._ {
	export const id = 'wasm-plugin-host:api/log@0.1.0' as const;
	export const witName = 'log' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['LogLevel', $.LogLevel]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['write', $.write]
	]);
	export type WasmInterface = {
		'write': (level_LogLevel_LogLevel: i32, message_ptr: i32, message_len: i32) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace Notifications.$ {
	export const NotifyLevel = Types.$.NotifyLevel;
	export const HostError = Types.$.HostError;
	export const show = new $wcm.FunctionType<Notifications.show>('show',[
		['level', NotifyLevel],
		['message', $wcm.wstring],
	], new $wcm.ResultType<void, Notifications.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace Notifications._ {
	export const id = 'wasm-plugin-host:api/notifications@0.1.0' as const;
	export const witName = 'notifications' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['NotifyLevel', $.NotifyLevel],
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['show', $.show]
	]);
	export type WasmInterface = {
		'show': (level_NotifyLevel_NotifyLevel: i32, message_ptr: i32, message_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace StatusBar.$ {
	export const HostError = Types.$.HostError;
	export const setText = new $wcm.FunctionType<StatusBar.setText>('set-text',[
		['text', $wcm.wstring],
		['tooltip', new $wcm.OptionType<string>($wcm.wstring)],
	], new $wcm.ResultType<void, StatusBar.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace StatusBar._ {
	export const id = 'wasm-plugin-host:api/status-bar@0.1.0' as const;
	export const witName = 'status-bar' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['setText', $.setText]
	]);
	export type WasmInterface = {
		'set-text': (text_ptr: i32, text_len: i32, tooltip_case: i32, tooltip_option_ptr: i32, tooltip_option_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace EditorRead.$ {
	export const DocumentInfo = Types.$.DocumentInfo;
	export const Selection = Types.$.Selection;
	export const HostError = Types.$.HostError;
	export const activeDocument = new $wcm.FunctionType<EditorRead.activeDocument>('active-document', [], new $wcm.ResultType<EditorRead.DocumentInfo | undefined, EditorRead.HostError>(new $wcm.OptionType<EditorRead.DocumentInfo>(DocumentInfo), HostError, Types.HostError.Error_));
	export const documentText = new $wcm.FunctionType<EditorRead.documentText>('document-text',[
		['uri', $wcm.wstring],
	], new $wcm.ResultType<string, EditorRead.HostError>($wcm.wstring, HostError, Types.HostError.Error_));
	export const selections = new $wcm.FunctionType<EditorRead.selections>('selections', [], new $wcm.ResultType<EditorRead.Selection[], EditorRead.HostError>(new $wcm.ListType<EditorRead.Selection>(Selection), HostError, Types.HostError.Error_));
}
export namespace EditorRead._ {
	export const id = 'wasm-plugin-host:api/editor-read@0.1.0' as const;
	export const witName = 'editor-read' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['DocumentInfo', $.DocumentInfo],
		['Selection', $.Selection],
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['activeDocument', $.activeDocument],
		['documentText', $.documentText],
		['selections', $.selections]
	]);
	export type WasmInterface = {
		'active-document': (result: ptr<result<DocumentInfo | undefined, HostError>>) => void;
		'document-text': (uri_ptr: i32, uri_len: i32, result: ptr<result<string, HostError>>) => void;
		'selections': (result: ptr<result<Selection[], HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace EditorWrite.$ {
	export const DocumentEdit = Types.$.DocumentEdit;
	export const HostError = Types.$.HostError;
	export const applyEdit = new $wcm.FunctionType<EditorWrite.applyEdit>('apply-edit',[
		['edit', DocumentEdit],
	], new $wcm.ResultType<void, EditorWrite.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace EditorWrite._ {
	export const id = 'wasm-plugin-host:api/editor-write@0.1.0' as const;
	export const witName = 'editor-write' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['DocumentEdit', $.DocumentEdit],
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['applyEdit', $.applyEdit]
	]);
	export type WasmInterface = {
		'apply-edit': (edit_DocumentEdit_uri_ptr: i32, edit_DocumentEdit_uri_len: i32, edit_DocumentEdit_edits_ptr: i32, edit_DocumentEdit_edits_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace Diagnostics.$ {
	export const Diagnostic = Types.$.Diagnostic;
	export const HostError = Types.$.HostError;
	export const set = new $wcm.FunctionType<Diagnostics.set>('set',[
		['uri', $wcm.wstring],
		['items', new $wcm.ListType<Diagnostics.Diagnostic>(Diagnostic)],
	], new $wcm.ResultType<void, Diagnostics.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace Diagnostics._ {
	export const id = 'wasm-plugin-host:api/diagnostics@0.1.0' as const;
	export const witName = 'diagnostics' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['Diagnostic', $.Diagnostic],
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['set', $.set]
	]);
	export type WasmInterface = {
		'set': (uri_ptr: i32, uri_len: i32, items_ptr: i32, items_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace Storage.$ {
	export const StorageScope = Types.$.StorageScope;
	export const HostError = Types.$.HostError;
	export const get = new $wcm.FunctionType<Storage.get>('get',[
		['scope', StorageScope],
		['key', $wcm.wstring],
	], new $wcm.ResultType<string | undefined, Storage.HostError>(new $wcm.OptionType<string>($wcm.wstring), HostError, Types.HostError.Error_));
	export const set = new $wcm.FunctionType<Storage.set>('set',[
		['scope', StorageScope],
		['key', $wcm.wstring],
		['value', $wcm.wstring],
	], new $wcm.ResultType<void, Storage.HostError>(undefined, HostError, Types.HostError.Error_));
	export const remove = new $wcm.FunctionType<Storage.remove>('remove',[
		['scope', StorageScope],
		['key', $wcm.wstring],
	], new $wcm.ResultType<void, Storage.HostError>(undefined, HostError, Types.HostError.Error_));
	export const keys = new $wcm.FunctionType<Storage.keys>('keys',[
		['scope', StorageScope],
	], new $wcm.ResultType<string[], Storage.HostError>(new $wcm.ListType<string>($wcm.wstring), HostError, Types.HostError.Error_));
}
export namespace Storage._ {
	export const id = 'wasm-plugin-host:api/storage@0.1.0' as const;
	export const witName = 'storage' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['StorageScope', $.StorageScope],
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['get', $.get],
		['set', $.set],
		['remove', $.remove],
		['keys', $.keys]
	]);
	export type WasmInterface = {
		'get': (scope_StorageScope_StorageScope: i32, key_ptr: i32, key_len: i32, result: ptr<result<string | undefined, HostError>>) => void;
		'set': (scope_StorageScope_StorageScope: i32, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32, result: ptr<result<void, HostError>>) => void;
		'remove': (scope_StorageScope_StorageScope: i32, key_ptr: i32, key_len: i32, result: ptr<result<void, HostError>>) => void;
		'keys': (scope_StorageScope_StorageScope: i32, result: ptr<result<string[], HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace WorkspaceRead.$ {
	export const HostError = Types.$.HostError;
	export const readFile = new $wcm.FunctionType<WorkspaceRead.readFile>('read-file',[
		['path', $wcm.wstring],
	], new $wcm.ResultType<string, WorkspaceRead.HostError>($wcm.wstring, HostError, Types.HostError.Error_));
}
export namespace WorkspaceRead._ {
	export const id = 'wasm-plugin-host:api/workspace-read@0.1.0' as const;
	export const witName = 'workspace-read' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['readFile', $.readFile]
	]);
	export type WasmInterface = {
		'read-file': (path_ptr: i32, path_len: i32, result: ptr<result<string, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace WorkspaceWrite.$ {
	export const HostError = Types.$.HostError;
	export const writeFile = new $wcm.FunctionType<WorkspaceWrite.writeFile>('write-file',[
		['path', $wcm.wstring],
		['contents', $wcm.wstring],
	], new $wcm.ResultType<void, WorkspaceWrite.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace WorkspaceWrite._ {
	export const id = 'wasm-plugin-host:api/workspace-write@0.1.0' as const;
	export const witName = 'workspace-write' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['writeFile', $.writeFile]
	]);
	export type WasmInterface = {
		'write-file': (path_ptr: i32, path_len: i32, contents_ptr: i32, contents_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace Configuration.$ {
	export const HostError = Types.$.HostError;
	export const get = new $wcm.FunctionType<Configuration.get>('get',[
		['key', $wcm.wstring],
	], new $wcm.ResultType<string | undefined, Configuration.HostError>(new $wcm.OptionType<string>($wcm.wstring), HostError, Types.HostError.Error_));
}
export namespace Configuration._ {
	export const id = 'wasm-plugin-host:api/configuration@0.1.0' as const;
	export const witName = 'configuration' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['get', $.get]
	]);
	export type WasmInterface = {
		'get': (key_ptr: i32, key_len: i32, result: ptr<result<string | undefined, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}

export namespace Panels.$ {
	export const HostError = Types.$.HostError;
	export const postMessage = new $wcm.FunctionType<Panels.postMessage>('post-message',[
		['panelId', $wcm.wstring],
		['message', $wcm.wstring],
	], new $wcm.ResultType<void, Panels.HostError>(undefined, HostError, Types.HostError.Error_));
}
export namespace Panels._ {
	export const id = 'wasm-plugin-host:api/panels@0.1.0' as const;
	export const witName = 'panels' as const;
	export const types: Map<string, $wcm.AnyComponentModelType> = new Map<string, $wcm.AnyComponentModelType>([
		['HostError', $.HostError]
	]);
	export const functions: Map<string, $wcm.FunctionType> = new Map([
		['postMessage', $.postMessage]
	]);
	export type WasmInterface = {
		'post-message': (panelId_ptr: i32, panelId_len: i32, message_ptr: i32, message_len: i32, result: ptr<result<void, HostError>>) => void;
	};
	export namespace imports {
		export type WasmInterface = _.WasmInterface;
	}
	export namespace exports {
		export type WasmInterface = _.WasmInterface;
	}
}
export namespace plugin.$ {
	export const EditorEvent = Types.$.EditorEvent;
	export const Action = Types.$.Action;
	export const CommandResult = Types.$.CommandResult;
	export namespace exports {
		export const activate = new $wcm.FunctionType<plugin.Exports['activate']>('activate', [], new $wcm.ResultType<void, string>(undefined, $wcm.wstring, $wcm.wstring.Error));
		export const deactivate = new $wcm.FunctionType<plugin.Exports['deactivate']>('deactivate', [], undefined);
		export const runCommand = new $wcm.FunctionType<plugin.Exports['runCommand']>('run-command',[
			['id', $wcm.wstring],
			['args', $wcm.wstring],
		], new $wcm.ResultType<plugin.CommandResult, string>(CommandResult, $wcm.wstring, $wcm.wstring.Error));
		export const handleEvent = new $wcm.FunctionType<plugin.Exports['handleEvent']>('handle-event',[
			['event', EditorEvent],
		], new $wcm.ListType<plugin.Action>(Action));
		export const renderPanel = new $wcm.FunctionType<plugin.Exports['renderPanel']>('render-panel',[
			['panelId', $wcm.wstring],
			['state', $wcm.wstring],
		], $wcm.wstring);
		export const panelMessage = new $wcm.FunctionType<plugin.Exports['panelMessage']>('panel-message',[
			['panelId', $wcm.wstring],
			['message', $wcm.wstring],
		], new $wcm.ListType<plugin.Action>(Action));
	}
}
export namespace plugin._ {
	export const id = 'wasm-plugin-host:api/plugin@0.1.0' as const;
	export const witName = 'plugin' as const;
	export namespace imports {
		export const interfaces: Map<string, $wcm.InterfaceType> = new Map<string, $wcm.InterfaceType>([
			['Types', Types._],
			['Log', Log._],
			['Notifications', Notifications._],
			['StatusBar', StatusBar._],
			['EditorRead', EditorRead._],
			['EditorWrite', EditorWrite._],
			['Diagnostics', Diagnostics._],
			['Storage', Storage._],
			['WorkspaceRead', WorkspaceRead._],
			['WorkspaceWrite', WorkspaceWrite._],
			['Configuration', Configuration._],
			['Panels', Panels._]
		]);
		export function create(service: plugin.Imports, context: $wcm.WasmContext): Imports {
			return $wcm.$imports.create<Imports>(_, service, context);
		}
		export function loop(service: plugin.Imports, context: $wcm.WasmContext): plugin.Imports {
			return $wcm.$imports.loop<plugin.Imports>(_, service, context);
		}
	}
	export type Imports = {
		'wasm-plugin-host:api/log@0.1.0': Log._.imports.WasmInterface;
		'wasm-plugin-host:api/notifications@0.1.0': Notifications._.imports.WasmInterface;
		'wasm-plugin-host:api/status-bar@0.1.0': StatusBar._.imports.WasmInterface;
		'wasm-plugin-host:api/editor-read@0.1.0': EditorRead._.imports.WasmInterface;
		'wasm-plugin-host:api/editor-write@0.1.0': EditorWrite._.imports.WasmInterface;
		'wasm-plugin-host:api/diagnostics@0.1.0': Diagnostics._.imports.WasmInterface;
		'wasm-plugin-host:api/storage@0.1.0': Storage._.imports.WasmInterface;
		'wasm-plugin-host:api/workspace-read@0.1.0': WorkspaceRead._.imports.WasmInterface;
		'wasm-plugin-host:api/workspace-write@0.1.0': WorkspaceWrite._.imports.WasmInterface;
		'wasm-plugin-host:api/configuration@0.1.0': Configuration._.imports.WasmInterface;
		'wasm-plugin-host:api/panels@0.1.0': Panels._.imports.WasmInterface;
	};
	export namespace exports {
		export const functions: Map<string, $wcm.FunctionType> = new Map([
			['activate', $.exports.activate],
			['deactivate', $.exports.deactivate],
			['runCommand', $.exports.runCommand],
			['handleEvent', $.exports.handleEvent],
			['renderPanel', $.exports.renderPanel],
			['panelMessage', $.exports.panelMessage]
		]);
		export function bind(exports: Exports, context: $wcm.WasmContext): plugin.Exports {
			return $wcm.$exports.bind<plugin.Exports>(_, exports, context);
		}
	}
	export type Exports = {
		'activate': (result: ptr<result<void, string>>) => void;
		'deactivate': () => void;
		'run-command': (id_ptr: i32, id_len: i32, args_ptr: i32, args_len: i32, result: ptr<result<CommandResult, string>>) => void;
		'handle-event': (event_EditorEvent_case: i32, event_EditorEvent_0: i32, event_EditorEvent_1: i32, event_EditorEvent_2: i32, event_EditorEvent_3: i32, event_EditorEvent_4: i32, event_EditorEvent_5: i32, event_EditorEvent_6: i32, event_EditorEvent_7: i32, event_EditorEvent_8: i32, result: ptr<Action[]>) => void;
		'render-panel': (panelId_ptr: i32, panelId_len: i32, state_ptr: i32, state_len: i32, result: ptr<string>) => void;
		'panel-message': (panelId_ptr: i32, panelId_len: i32, message_ptr: i32, message_len: i32, result: ptr<Action[]>) => void;
	};
	export function bind(service: plugin.Imports, code: $wcm.Code, context?: $wcm.ComponentModelContext): Promise<plugin.Exports>;
	export function bind(service: plugin.Imports.Promisified, code: $wcm.Code, port: $wcm.RAL.ConnectionPort, context?: $wcm.ComponentModelContext): Promise<plugin.Exports.Promisified>;
	export function bind(service: plugin.Imports | plugin.Imports.Promisified, code: $wcm.Code, portOrContext?: $wcm.RAL.ConnectionPort | $wcm.ComponentModelContext, context?: $wcm.ComponentModelContext | undefined): Promise<plugin.Exports> | Promise<plugin.Exports.Promisified> {
		return $wcm.$main.bind(_, service, code, portOrContext, context);
	}
}
/**
 * @module @berth/ui
 * Presentational React for the dashboard: primitives, the virtualized LogViewer and the xterm.js
 * Terminal. No data fetching here: pages in apps/web pass data in.
 */
export { testIds } from './test-ids.js';
export { cn } from './cn.js';
export { Button, type ButtonProps, type ButtonVariant } from './primitives/button.js';
export { Field, Input, TextArea, Checkbox, inputClass } from './primitives/fields.js';
export { StatusBadge } from './primitives/status-badge.js';
export { PageHeader, Panel, KeyValueList, EmptyState, Kbd, ErrorText, type KeyValueItem } from './primitives/layout.js';
export { Dialog, type DialogProps } from './primitives/dialog.js';
export { parseAnsi, stripAnsi, ANSI_PALETTE, type AnsiSegment, type AnsiStyle } from './log-viewer/ansi.js';
export { LogViewer, formatLogTime, type LogLine, type LogViewerProps } from './log-viewer/log-viewer.js';
export { Terminal, type TerminalProps, type TerminalStatus } from './terminal/terminal.js';

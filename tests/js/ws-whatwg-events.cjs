// Preloaded (mocha --require) for the vendored protocol suites.
//
// The suites wait for each message with addEventListener("message", ...,
// { once: true }) and register the next listener only after that promise
// resolves. A browser dispatches every WebSocket message as its own task, so
// no message can slip between two listeners. ws >= 8.17 instead emits all the
// messages of one TCP read in the same tick (its allowSynchronousEvents
// option, default true): two frames that arrive together, such as a CONNECT
// reply and the event its connect handler emits, lose the second one. This
// restores the browser's behaviour (allowSynchronousEvents: false) for every
// client socket, without changing the vendored files.
"use strict";
const WebSocket = require("ws");

const setSocket = WebSocket.prototype.setSocket;
WebSocket.prototype.setSocket = function (socket, head, options) {
  return setSocket.call(this, socket, head, { ...options, allowSynchronousEvents: false });
};

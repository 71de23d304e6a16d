// The sandbox console: polls the admin routes and renders them. Data goes into the page only
// through textContent (never innerHTML), so nothing a client sent can run here.
"use strict";

// Polling, not a push channel: nothing more to serve, and one second is "live" for a person.
const POLL_MS = 1000;
// The journal view shows the newest 200 requests: enough to read, cheap to redraw each second.
const JOURNAL_SHOWN = 200;

const $ = (selector) => document.querySelector(selector);

/** A new element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Calls an admin route; resolves to {status, body} (body: parsed JSON or null). */
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return { status: response.status, body: parsed };
}

function say(text, kind = "info") {
  const message = $("#message");
  message.textContent = text;
  message.dataset.kind = kind;
  message.hidden = false;
}

function setConnection(state, text) {
  const pill = $("#connection");
  pill.dataset.state = state;
  pill.textContent = text;
}

function fill(tbody, rows, emptyText, columns) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    tbody.append(el("tr", {}, el("td", { className: "empty", colspan: columns }, emptyText)));
  }
  for (const row of rows) tbody.append(row);
}

function setCount(name, n) {
  const node = document.querySelector(`[data-count-for="${name}"]`);
  if (node) node.textContent = `(${n})`;
}

function flag(value) {
  if (value === true) return el("span", { className: "yes" }, "yes");
  if (value === false) return el("span", { className: "no" }, "no");
  return el("span", { className: "no" }, "–");
}

function renderRequests(list) {
  const rows = list.map((request) => el("tr", { "data-id": request.id },
    el("td", { className: "mono" }, request.id),
    el("td", { className: "nowrap" }, request.number),
    el("td", {}, request.sourceId),
    el("td", {}, request.orderId),
    el("td", {}, request.processingStatus,
      request.processingError ? el("div", { className: "error-text" }, request.processingError) : null),
    el("td", {}, flag(request.accountingSynced),
      request.externalAccountingId ? ` ${request.externalAccountingId}` : null,
      request.accountingError ? el("div", { className: "error-text" }, request.accountingError) : null),
    el("td", { className: "mono" },
      request.items.map((item) => `${item.id} × ${item.quantity} ${item.sku}`).join(", "))));
  fill($("#fulfillment-requests tbody"), rows, "no fulfillment requests", 7);
  setCount("fulfillment-requests", list.length);
}

function renderShipments(list) {
  const rows = list.slice().reverse().map((shipment) => el("tr", { "data-id": shipment.id },
    el("td", { className: "mono" }, shipment.id),
    el("td", { className: "mono", "data-field": "trackingNumber" }, shipment.trackingNumber),
    el("td", {}, shipment.fulfillmentRequestId),
    el("td", {}, shipment.sourceId),
    el("td", {}, [shipment.carrier, shipment.method].filter(Boolean).join(" ") || "–"),
    el("td", { className: "mono" },
      shipment.shipmentItems.map((item) => `${item.quantity} ${item.sku}`).join(", ")),
    el("td", {}, flag(shipment.partial)),
    el("td", { className: "error-text" }, shipment.syncError || ""),
    el("td", { className: "mono" }, (shipment.insertedAt || "").replace("T", " ").replace(/\.\d+Z$/, "Z"))));
  fill($("#shipments tbody"), rows, "no shipments yet", 9);
  setCount("shipments", list.length);
}

function renderOrders(list) {
  const rows = list.map((order) => el("tr", { "data-id": order.id },
    el("td", { className: "mono" }, order.id),
    el("td", {}, order.items.map((item) => `${item.id} ${item.linked ? "linked" : "unmanaged"}`).join(", "))));
  fill($("#orders tbody"), rows, "no orders", 2);
  setCount("orders", list.length);
}

/** `status 503 × 2 on /shipments, after the operation` */
function describeFault(fault) {
  let text = fault.kind;
  if (fault.kind === "status") text += ` ${fault.status}`;
  if (fault.kind === "latency") text += ` ${fault.ms}ms`;
  if (fault.count > 1) text += ` × ${fault.count}`;
  text += fault.path ? ` on paths starting ${fault.path}` : " on any path";
  if (fault.retryAfter !== undefined) text += `, Retry-After ${fault.retryAfter} s`;
  if (fault.noRetryAfter) text += ", no Retry-After";
  if (fault.after) text += ", after the operation";
  return text;
}

function renderFaults(list) {
  const items = list.map((fault) => el("li", { "data-kind": fault.kind }, describeFault(fault)));
  if (items.length === 0) items.push(el("li", { className: "empty" }, "none"));
  $("#faults").replaceChildren(...items);
  setCount("faults", list.length);
}

function renderCounters(state) {
  const values = { ...state.counters, maxInFlight: state.traffic && state.traffic.maxInFlight };
  for (const node of document.querySelectorAll("[data-counter]")) {
    const value = values[node.dataset.counter];
    node.textContent = value === undefined ? "–" : String(value);
  }
}

let lastState = "";

async function refreshState() {
  const { status, body } = await call("GET", "/_sandbox/state");
  if (status !== 200 || !body) throw new Error(`GET /_sandbox/state answered ${status}`);
  const text = JSON.stringify(body);
  if (text === lastState) return;
  lastState = text;
  renderRequests(body.fulfillmentRequests || []);
  renderShipments(body.shipments || []);
  renderOrders(body.orders || []);
  renderFaults(body.faults || []);
  renderCounters(body);
}

function statusBadge(status) {
  if (status === null || status === undefined) return el("span", { className: "badge" }, "no answer");
  return el("span", { className: "badge", "data-class": String(status).charAt(0) }, status);
}

/** A recorded body as text: JSON pretty-printed, text as it is, `none` when absent. */
function bodyText(body, none) {
  if (body === null || body === undefined) return none;
  return typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

/** Why an entry has no answer body. */
function noAnswerBody(request) {
  if (request.status === null) return "(no answer)";
  // The sandbox never reads these bodies back: they are cut on the wire on purpose.
  if (request.fault === "drop" || request.fault === "malformed") {
    return `(not recorded: the ${request.fault} fault cuts the body on purpose)`;
  }
  return request.responseBodyTruncated ? "(not recorded)" : "(no body)";
}

function journalEntry(request, open) {
  const target = request.path + (request.query ? `?${request.query}` : "");
  // The arrival time as the sandbox wrote it (UTC), to the millisecond: HH:MM:SS.mmm.
  const clock = String(request.time).slice(11, 23);
  const summary = el("summary", {},
    el("span", { className: "id" }, `#${request.id}`),
    el("span", { className: "method" }, request.method),
    el("span", { className: "path mono", title: target }, target),
    statusBadge(request.status),
    request.fault ? el("span", { className: "badge fault", "data-field": "fault" }, request.fault) : null,
    el("span", { className: "who" }, request.caller.label),
    el("span", { className: "time" }, `${clock} · ${request.durationMs} ms`));
  const answer = request.status === null ? "no answer (the client went away)" : `answered ${request.status}`;
  const details = el("div", { className: "body" },
    el("div", { "data-field": "answer" }, answer,
      request.fault ? ` — fault: ${request.fault}` : " — no fault",
      request.retryAfter !== null && request.retryAfter !== undefined ? ` — Retry-After: ${request.retryAfter} s` : null,
      ` — in ${request.durationMs} ms — caller: ${request.caller.label} — ${request.time}`),
    el("div", {}, request.bodyTruncated ? "body (truncated):" : "body:"),
    el("pre", { className: "mono", "data-field": "body" }, bodyText(request.body, "(no body)")),
    el("div", {}, request.responseBodyTruncated ? "answer body (truncated):" : "answer body:"),
    el("pre", { className: "mono", "data-field": "response-body" },
      bodyText(request.responseBody, noAnswerBody(request))));
  return el("details", {
    "data-request-id": request.id,
    "data-status": request.status === null ? "" : request.status,
    "data-fault": request.fault || "",
    open: open ? "" : null,
  }, summary, details);
}

let lastJournal = "";

async function refreshJournal() {
  const { status, body } = await call("GET", `/_sandbox/requests?limit=${JOURNAL_SHOWN}`);
  if (status !== 200 || !body) throw new Error(`GET /_sandbox/requests answered ${status}`);
  const list = body.requests;
  const key = `${list.length}:${list.length && list[0].id}:${list.length && list[list.length - 1].id}:${body.dropped}`;
  if (key === lastJournal) return;
  lastJournal = key;
  const journal = $("#journal");
  const open = new Set([...journal.querySelectorAll("details[open]")].map((node) => node.dataset.requestId));
  const entries = list.slice().reverse().map((request) => journalEntry(request, open.has(String(request.id))));
  if (entries.length === 0) entries.push(el("p", { className: "hint" }, "no API request yet"));
  journal.replaceChildren(...entries);
  setCount("journal", body.dropped ? `${list.length}, ${body.dropped} dropped` : list.length);
}

async function refresh() {
  try {
    await Promise.all([refreshState(), refreshJournal()]);
    setConnection("live", `live · ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    setConnection("error", `cannot reach the sandbox: ${error.message}`);
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}

/** The fault JSON of the form (the body of POST /_sandbox/faults). */
function faultFromForm() {
  const kind = $("#fault-kind").value;
  const fault = { kind, count: Number($("#fault-count").value || 1) };
  const path = $("#fault-path").value.trim();
  if (path) fault.path = path;
  if (kind === "status") {
    fault.status = Number($("#fault-status").value);
    if ($("#fault-after").checked) fault.after = true;
    // "No Retry-After at all" wins over a number of seconds, as it does in the sandbox.
    const retryAfter = $("#fault-retry-after").value.trim();
    if ($("#fault-no-retry-after").checked) fault.noRetryAfter = true;
    else if (retryAfter) fault.retryAfter = Number(retryAfter);
  }
  if (kind === "latency") fault.ms = Number($("#fault-ms").value || 0);
  return fault;
}

function showKindFields() {
  const kind = $("#fault-kind").value;
  for (const node of document.querySelectorAll("[data-for-kind]")) {
    node.hidden = node.dataset.forKind !== kind;
  }
}

/** Runs an admin action, says how it went, refreshes at once. */
async function act(label, method, path, body) {
  try {
    const { status, body: answer } = await call(method, path, body);
    if (status >= 200 && status < 300) say(`${label}: done`);
    else say(`${label}: ${status} ${(answer && answer.message) || ""}`, "error");
  } catch (error) {
    say(`${label}: ${error.message}`, "error");
  }
  await refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  showKindFields();
  $("#fault-kind").addEventListener("change", showKindFields);
  $("#fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const fault = faultFromForm();
    act(`inject ${describeFault(fault)}`, "POST", "/_sandbox/faults", fault);
  });
  $("#faults-clear").addEventListener("click", () => act("clear faults", "DELETE", "/_sandbox/faults"));
  $("#journal-clear").addEventListener("click", () => act("clear the journal", "DELETE", "/_sandbox/requests"));
  $("#reset").addEventListener("click", () => act("reset", "POST", "/_sandbox/reset"));
  poll();
});

/*
 * 知识产权维权援助 — the web widget. Plain JavaScript: no framework, no build
 * step, nothing loaded from anywhere but the gateway that served this file.
 *
 * Embedding (one line, options as data attributes):
 *   <script src="https://HOST/widget.js" async data-title="在线咨询"
 *           data-color="#1d4e89" data-position="right" data-greeting="您好！…"></script>
 *
 * - The API lives next to this script: its own src names the gateway, so the
 *   widget works on any site the gateway's WIDGET_ALLOWED_ORIGINS lists.
 * - Everything is drawn in an open shadow root, so the page's CSS does not
 *   reach the widget and the widget's CSS does not reach the page. The style
 *   sheet is a constructed one: a strict Content-Security-Policy on the host
 *   page blocks <style> elements but not that.
 * - Every text — replies, citations, what the person typed — goes into the
 *   DOM as text (textContent, text nodes). Nothing is ever parsed as HTML.
 * - The conversation (session id and what was shown) is kept in
 *   sessionStorage, bounded, so a reload or the next page of the site picks
 *   it up, and closing the tab forgets it. That storage belongs to the host
 *   site, where any of its scripts can read it, so no personal data goes
 *   there: an answer to a form question for a personal slot and the
 *   application summary that repeats them are stored as a placeholder, what
 *   the person typed in answer is blanked out of the bot's replies, and
 *   every phone- or ID-shaped number left is masked. The page shows the real
 *   text until it is reloaded.
 */
(function () {
  "use strict";

  var HOST_ID = "ipr-assist-widget";
  var STORE_VERSION = 2; // 1 kept the conversation as it was, personal data included
  var MAX_ENTRIES = 80; // history entries kept across reloads
  var MAX_STORED_CHARS = 200000; // well inside sessionStorage's ~5 MB
  var MAX_INPUT_CHARS = 2000; // the gateway's MAX_MESSAGE_CHARS default
  var REQUEST_TIMEOUT_MS = 45000; // above the gateway's own wait for Rasa
  var FEEDBACK_QUESTION_CHARS = 500; // the feedback API takes 8 KiB in all
  var FEEDBACK_ANSWER_CHARS = 1500;

  var script = document.currentScript || findOwnScript();
  if (!script || document.getElementById(HOST_ID)) {
    return; // not found, or embedded twice: one widget per page
  }
  var apiRoot = new URL("./", script.src);
  var options = readOptions(script.dataset || {});
  var storeKey = "ipr-assist:v" + STORE_VERSION + ":" + apiRoot.href;
  var oldStoreKeys = ["ipr-assist:v1:" + apiRoot.href];

  // Form questions whose answers are personal (actions/case_form.py), and those
  // whose text repeats such answers (the summary of actions/case_text.py).
  var PERSONAL_SLOTS = [
    "contact_name", "contact_phone", "id_number", "organization_name",
    "credit_code", "ip_number", "case_description",
  ];
  var ECHO_SLOTS = ["case_confirmed"];
  var HIDDEN_ANSWER = "（已填写。为保护个人信息，刷新后不再显示）";
  var HIDDEN_SUMMARY = "（申请信息摘要含个人信息，刷新后不再显示。需要核对可点“修改”。）";
  var HIDDEN_VALUE = "***";

  var FINANCIAL = {
    eligible: ["符合资金援助条件", "yes"],
    not_eligible: ["暂不符合资金援助条件", "no"],
    review: ["需中心个案审核", "maybe"],
  };
  var REFERRAL = {
    none: "由本中心受理",
    transfer_region: "移交所在地的维权援助机构办理",
    overseas_center: "由国家海外知识产权纠纷应对指导中心提供指导",
  };

  var CSS = [
    ":host{all:initial!important}", // the page's own !important rules on its divs stop at the host
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".root{font:15px/1.6 system-ui,-apple-system,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;color:#1f2328}",
    "button{font:inherit;cursor:pointer}",
    "button:focus-visible{outline:3px solid #f0b429;outline-offset:2px}",
    ".composer textarea:focus{outline:2px solid var(--ipr-color);outline-offset:0;border-color:transparent}",
    ".sr-only{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    ".launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;padding:12px 20px 12px 16px;border:0;border-radius:999px;background:var(--ipr-color);color:#fff;font-weight:600;box-shadow:0 6px 20px rgba(0,0,0,.25)}",
    ".launcher svg{width:22px;height:22px;fill:currentColor}",
    ".left .launcher{right:auto;left:20px}",
    ".panel{position:fixed;bottom:88px;right:20px;z-index:2147483001;display:flex;flex-direction:column;width:380px;height:min(640px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}",
    ".left .panel{right:auto;left:20px}",
    ".head{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--ipr-color);color:#fff}",
    ".head h2{flex:1;margin:0;font-size:16px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".handoff{padding:3px 12px;border:1px solid rgba(255,255,255,.75);border-radius:999px;background:transparent;color:#fff;font-size:13px}",
    ".close{width:34px;height:34px;border:0;border-radius:8px;background:transparent;color:#fff;font-size:24px;line-height:1}",
    ".log{flex:1;overflow-y:auto;padding:14px 12px 4px;background:#f4f6f9;overscroll-behavior:contain}",
    ".msg{display:flex;flex-direction:column;align-items:flex-start;max-width:90%;margin:0 0 10px}",
    ".msg.user{margin-left:auto;align-items:flex-end}",
    ".bubble{margin:0;padding:9px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".user .bubble{background:var(--ipr-color);color:#fff;border-bottom-right-radius:4px}",
    ".bot .bubble{background:#fff;border:1px solid #e1e6ed;border-bottom-left-radius:4px}",
    ".cites{display:flex;flex-direction:column;gap:4px;width:100%;margin-top:6px}",
    ".cite{display:flex;align-items:flex-start;gap:6px;width:100%;padding:6px 8px;border:1px solid #d6e0ef;border-radius:8px;background:#eef3fa;color:#1d3f72;font-size:13px;line-height:1.45;text-align:left}",
    ".cite .label{flex:1}",
    ".cite .more{flex:none;color:#52677f}",
    ".passage{margin:0;padding:8px 10px;border-left:3px solid var(--ipr-color);border-radius:0 8px 8px 0;background:#fff;color:#333;font-size:13px;white-space:pre-wrap}",
    ".passage p{margin:0}",
    ".passage p+p{margin-top:6px}",
    ".chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".chip{max-width:100%;padding:5px 12px;border:1px solid var(--ipr-color);border-radius:16px;background:#fff;color:var(--ipr-color);font-size:14px;text-align:left}",
    ".chip:disabled{opacity:.45;cursor:default}",
    ".card{min-width:250px;padding:10px 12px;border:1px solid #cfdcef;border-radius:12px;background:#fff}",
    ".card h3{margin:0 0 4px;font-size:15px;color:var(--ipr-color)}",
    ".card .situation{margin:0 0 6px;color:#52677f;font-size:13px}",
    ".card dl{display:grid;grid-template-columns:auto 1fr;gap:4px 10px;margin:0 0 6px}",
    ".card dt{color:#52677f;font-size:13px}",
    ".card dd{margin:0;font-weight:600;font-size:14px}",
    ".card dd::before{display:inline-block;width:1.3em;font-weight:700}",
    ".card dd.yes{color:#17663a}.card dd.yes::before{content:'✓'}",
    ".card dd.no{color:#8a4b00}.card dd.no::before{content:'–'}",
    ".card dd.maybe{color:#6b4e00}.card dd.maybe::before{content:'?'}",
    ".card dd.info::before{content:'→'}",
    ".card h4{margin:8px 0 2px;font-size:13px;color:#52677f;font-weight:600}",
    ".card .note{margin:6px 0 0;color:#6b7280;font-size:12px}",
    ".call{display:inline-block;margin-top:8px;padding:5px 14px;border-radius:999px;background:var(--ipr-color);color:#fff;text-decoration:none;font-weight:600}",
    ".rate{display:flex;align-items:center;gap:2px;margin:-4px 0 12px;color:#6b7280;font-size:12px}",
    ".rate button{display:inline-flex;padding:4px 6px;border:1px solid transparent;border-radius:6px;background:transparent;color:#7b8494}",
    ".rate svg{width:15px;height:15px;fill:currentColor}",
    ".rate button[aria-pressed=true]{color:var(--ipr-color)}",
    ".rate button[aria-pressed=true]{border-color:#c3d1e8;background:#e4ecf8}",
    ".rate button:disabled:not([aria-pressed=true]){opacity:.35;cursor:default}",
    ".notice{margin:0 0 10px;padding:6px 10px;border-radius:8px;background:#fff4e5;color:#7a4100;font-size:13px}",
    ".typing .bubble{display:flex;gap:4px;padding:13px 14px}",
    ".typing i{width:7px;height:7px;border-radius:50%;background:#98a2b3;animation:ipr-blink 1.2s infinite ease-in-out}",
    ".typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}",
    "@keyframes ipr-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
    ".composer{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e1e6ed;background:#fff}",
    ".composer textarea{flex:1;min-height:42px;max-height:120px;padding:9px 10px;border:1px solid #c9d2de;border-radius:10px;resize:none;font:inherit;color:inherit}",
    ".send{flex:none;padding:0 18px;border:0;border-radius:10px;background:var(--ipr-color);color:#fff;font-weight:600}",
    ".send:disabled{opacity:.5;cursor:default}",
    // Hover styles only where there is a pointer that hovers: on a touch screen
    // they would stick to the last button tapped.
    "@media (hover:hover){",
    ".handoff:hover,.close:hover{background:rgba(255,255,255,.16)}",
    ".chip:hover:not(:disabled){background:#eef3fa}",
    ".rate button:hover:not(:disabled){background:#e6ebf2}",
    "}",
    "@media (max-width:480px){",
    ".panel{top:0;right:0;bottom:0;left:0;width:auto;height:auto;border-radius:0}",
    ".left .panel{left:0}",
    ".open .launcher{display:none}",
    ".composer{padding-bottom:calc(10px + env(safe-area-inset-bottom))}",
    ".composer textarea{font-size:16px}", // below 16px, iOS zooms the page on focus
    "}",
    "@media (prefers-reduced-motion:reduce){.typing i{animation:none}}",
  ].join("\n");

  function findOwnScript() {
    var scripts = document.querySelectorAll("script[src]");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  function clip(value, limit) {
    var text = typeof value === "string" ? value.trim() : "";
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }

  function readOptions(data) {
    return {
      title: clip(data.title, 40) || "在线咨询",
      // Only a hex colour: the value ends up in CSS, where anything else could inject rules.
      color: /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(data.color || "") ? data.color : "#1d4e89",
      position: data.position === "left" ? "left" : "right",
      greeting:
        clip(data.greeting, 300) ||
        "您好！我是知识产权维权援助智能助手，可以解答维权援助政策，也能帮您自测能否获得援助。请输入您的问题。",
    };
  }

  // ---- DOM helpers: text only, never markup -------------------------------

  var idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return "ipr-" + prefix + "-" + idCounter;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child); // strings become text nodes
    });
    return node;
  }

  // Icons are drawn, not emoji: not every system has an emoji font.
  var ICONS = {
    chat:
      "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
    thumb: "M2 10h4v11H2zM8 21h9.2a2 2 0 0 0 2-1.6l1.6-7.4a2 2 0 0 0-2-2.4H14l.8-4.2A2 2 0 0 0 12.9 3L8 9.5z",
  };

  function icon(name, flipped) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    if (flipped) path.setAttribute("transform", "rotate(180 12 12)");
    svg.append(path);
    return svg;
  }

  // ---- Personal data kept out of the page's storage --------------------------

  // What people put between digits (cases/validation.py NUMBER_SEPARATORS,
  // after NFKC), up to two in a row: "(139) 0532-7781", "370402 19900101 1238".
  var SEP = "[\\s\\-‐‑‒–—―−﹣.·・•()]{0,2}";
  function digitRun(count) {
    return "(?:" + SEP + "\\d){" + count + "}";
  }
  var ID_SHAPE = new RegExp(
    "(?<!\\d)[1-9]" + digitRun(16) + SEP + "[\\dXx](?![\\dXx])|(?<!\\d)[1-9]" + digitRun(14) + "(?![\\dXx])",
    "g"
  );
  var PHONE_SHAPE = new RegExp("(?<!\\d)(?:(?:\\+|00)?86" + SEP + ")?1" + SEP + "[3-9]" + digitRun(9) + "(?!\\d)", "g");

  // Full-width and circled digits and separators read as ASCII, one character
  // at a time, so the Chinese punctuation around them stays as it was.
  function plainDigits(text) {
    return Array.from(text)
      .map(function (char) {
        var plain = char.normalize("NFKC");
        return /^[0-9\s\-.()]$/.test(plain) ? plain : char;
      })
      .join("");
  }

  function keepEnds(found, head, tail) {
    var digits = found.replace(/[^0-9Xx]/g, "");
    if (digits.length > 11 && head === 3) digits = digits.slice(-11); // +86 before a mobile
    return digits.slice(0, head) + "****" + digits.slice(digits.length - tail);
  }

  function maskNumbers(text) {
    if (!/[0-9０-９①-⑳⓪]/.test(text)) return text;
    var plain = plainDigits(text);
    var masked = plain
      .replace(ID_SHAPE, function (found) {
        return keepEnds(found, 4, 4);
      })
      .replace(PHONE_SHAPE, function (found) {
        return keepEnds(found, 3, 4);
      });
    return masked === plain ? text : masked;
  }

  // Personal answers typed on this page, blanked out of what the bot says back.
  var typedSecrets = [];

  function scrub(text) {
    var clean = text;
    typedSecrets.forEach(function (secret) {
      clean = clean.split(secret).join(HIDDEN_VALUE);
    });
    return maskNumbers(clean);
  }

  function askedSlot(entry) {
    var slot = null;
    if (entry && entry.type === "bot") {
      entry.messages.forEach(function (m) {
        if (m.custom && m.custom.type === "form_question" && typeof m.custom.slot === "string") {
          slot = m.custom.slot;
        }
      });
    }
    return slot;
  }

  function isEcho(message) {
    var custom = message.custom;
    return Boolean(custom && custom.type === "form_question" && ECHO_SLOTS.indexOf(custom.slot) >= 0);
  }

  // The copy of an entry that may go into the host page's storage.
  function storable(entry) {
    if (entry.type === "user") {
      return entry.personal
        ? { type: "user", text: HIDDEN_ANSWER, personal: true }
        : { type: "user", text: scrub(entry.text) };
    }
    var scrubbed = Boolean(entry.scrubbed);
    var messages = entry.messages.map(function (m) {
      var text = isEcho(m) && m.text ? HIDDEN_SUMMARY : scrub(m.text);
      if (text !== m.text) scrubbed = true;
      return { text: text, buttons: m.buttons, citations: m.citations, custom: m.custom };
    });
    return {
      type: "bot",
      question: entry.personal ? HIDDEN_ANSWER : scrub(entry.question),
      messages: messages,
      rating: entry.rating,
      // Its text is no longer what the bot said: the feedback API would refuse a rating.
      scrubbed: scrubbed,
    };
  }

  // ---- Stored conversation -------------------------------------------------

  function storage() {
    try {
      return window.sessionStorage; // throws where the site's storage is blocked
    } catch (err) {
      return null;
    }
  }

  function asString(value) {
    return typeof value === "string" ? value : "";
  }

  function cleanButtons(raw) {
    if (!Array.isArray(raw)) return [];
    return raw.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    });
  }

  function cleanObjects(raw) {
    return Array.isArray(raw)
      ? raw.filter(function (item) {
          return item && typeof item === "object";
        })
      : [];
  }

  // The shape the renderer relies on, whatever the server or the storage held.
  function cleanMessage(raw) {
    raw = raw && typeof raw === "object" ? raw : {};
    return {
      text: asString(raw.text),
      buttons: cleanButtons(raw.buttons),
      citations: cleanObjects(raw.citations),
      custom: raw.custom && typeof raw.custom === "object" ? raw.custom : null,
    };
  }

  function cleanEntry(raw) {
    if (!raw || typeof raw !== "object") return null;
    if (raw.type === "user") return { type: "user", text: asString(raw.text), personal: raw.personal === true };
    if (raw.type !== "bot" || !Array.isArray(raw.messages)) return null;
    return {
      type: "bot",
      question: asString(raw.question),
      messages: raw.messages.map(cleanMessage),
      rating: raw.rating === "up" || raw.rating === "down" ? raw.rating : null,
      personal: raw.personal === true,
      scrubbed: raw.scrubbed === true,
    };
  }

  function loadState() {
    var fresh = { sessionId: "", open: false, entries: [] };
    var store = storage();
    if (!store) return fresh;
    try {
      oldStoreKeys.forEach(function (key) {
        store.removeItem(key); // an older widget's copy, personal data and all
      });
      var saved = JSON.parse(store.getItem(storeKey) || "null");
      if (!saved || typeof saved !== "object" || !Array.isArray(saved.entries)) return fresh;
      return {
        sessionId: asString(saved.sessionId),
        open: saved.open === true,
        entries: saved.entries.map(cleanEntry).filter(Boolean).slice(-MAX_ENTRIES),
      };
    } catch (err) {
      return fresh;
    }
  }

  function saveState() {
    var store = storage();
    if (!store) return; // the conversation still works; it just will not survive a reload
    var entries = state.entries.slice(-MAX_ENTRIES);
    var json = JSON.stringify({ sessionId: state.sessionId, open: state.open, entries: entries.map(storable) });
    while (json.length > MAX_STORED_CHARS && entries.length > 1) {
      entries = entries.slice(Math.ceil(entries.length / 4));
      json = JSON.stringify({ sessionId: state.sessionId, open: state.open, entries: entries.map(storable) });
    }
    state.entries = entries;
    try {
      store.setItem(storeKey, json);
    } catch (err) {
      // Quota exceeded or storage disabled: keep going without persistence.
    }
  }

  // ---- Talking to the gateway ---------------------------------------------

  function WidgetError(message) {
    this.userMessage = message;
  }

  function post(path, body) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    return fetch(new URL(path, apiRoot).href, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    })
      .catch(function (err) {
        clearTimeout(timer);
        throw new WidgetError(
          err && err.name === "AbortError"
            ? "等了太久还没有回复，请稍后再试。"
            : "网络好像出了问题，请检查后再试。"
        );
      })
      .then(function (response) {
        clearTimeout(timer);
        if (response.status === 204) return null;
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (!response.ok) {
              throw new WidgetError(
                data && typeof data.message === "string" ? data.message : "系统繁忙，请稍后再试。"
              );
            }
            return data;
          });
      });
  }

  // ---- Rendering -------------------------------------------------------------

  function bookTitle(title) {
    if (!title) return "";
    if (title.charAt(0) === "《") return title;
    // A title quoting another title: the inner one takes 〈〉 inside 《》.
    return "《" + title.replace(/《/g, "〈").replace(/》/g, "〉") + "》";
  }

  function citationLabel(c) {
    if (typeof c.citation === "string" && c.citation) return c.citation;
    return [bookTitle(asString(c.title)) + asString(c.doc_number), asString(c.section)]
      .filter(Boolean)
      .join(" ");
  }

  function citationItem(label, paragraphs) {
    var passageId = uid("passage");
    var more = el("span", { class: "more", "aria-hidden": "true", text: "原文 ▸" });
    var button = el(
      "button",
      { type: "button", class: "cite", "aria-expanded": "false", "aria-controls": passageId },
      [el("span", { class: "label", text: label }), el("span", { class: "sr-only", text: "，查看原文" }), more]
    );
    var passage = el(
      "blockquote",
      { class: "passage", id: passageId, hidden: true },
      paragraphs.map(function (text) {
        return el("p", { text: text });
      })
    );
    button.addEventListener("click", function () {
      var opening = passage.hidden;
      passage.hidden = !opening;
      button.setAttribute("aria-expanded", String(opening));
      more.textContent = opening ? "收起 ▾" : "原文 ▸";
    });
    return [button, passage];
  }

  function renderCitations(citations) {
    var box = el("div", { class: "cites", role: "group", "aria-label": "依据" });
    citations.forEach(function (c) {
      box.append.apply(box, citationItem(citationLabel(c), [asString(c.text) || "（原文暂缺）"]));
    });
    return box;
  }

  function renderEligibility(result, text) {
    var card = el("div", { class: "card", role: "group", "aria-label": "援助资格自测结果" });
    card.append(el("h3", { text: "援助资格自测结果" }));
    var firstLine = text.split("\n")[0];
    if (firstLine.indexOf("您的情况") === 0) card.append(el("p", { class: "situation", text: firstLine }));
    var financial = FINANCIAL[result.financial_assistance] || ["以中心审核为准", "maybe"];
    var rows = [
      ["免费咨询指导", result.consultation === false ? ["不适用", "no"] : ["可以", "yes"]],
      ["侵权判定参考意见", result.infringement_opinion ? ["可以申请", "yes"] : ["您的情况不涉及", "no"]],
      ["资金援助", financial],
      ["办理方式", [REFERRAL[result.referral || "none"] || REFERRAL.none, "info"]],
    ];
    var list = el("dl");
    rows.forEach(function (row) {
      list.append(el("dt", { text: row[0] }), el("dd", { class: row[1][1], text: row[1][0] }));
    });
    card.append(list);
    // One line per cited clause; its quoted words, then why they apply, open in place.
    var byCitation = {};
    var order = [];
    cleanObjects(result.basis).forEach(function (b) {
      var label = citationLabel(b);
      if (!byCitation[label]) {
        byCitation[label] = { quotes: [], reasons: [] };
        order.push(label);
      }
      var quote = asString(b.quote);
      var reason = asString(b.explain);
      if (quote) byCitation[label].quotes.push("“" + quote + "”");
      if (reason && byCitation[label].reasons.indexOf(reason) < 0) byCitation[label].reasons.push(reason);
    });
    if (order.length) {
      card.append(el("h4", { text: "依据" }));
      var box = el("div", { class: "cites" });
      order.forEach(function (label) {
        var cited = byCitation[label];
        var reasons = cited.reasons.map(function (reason) {
          return "适用理由：" + reason;
        });
        box.append.apply(box, citationItem(label, cited.quotes.concat(reasons)));
      });
      card.append(box);
    }
    card.append(el("p", { class: "note", text: "以上结果供参考，以中心审核为准。" }));
    return card;
  }

  function renderHandoff(custom) {
    var number = asString(custom.hotline).replace(/[^0-9+]/g, "");
    if (!number) return null;
    var link = el("a", { class: "call", text: "拨打 " + number });
    link.href = "tel:" + number; // digits and + only: nothing else reaches the URL
    return link;
  }

  function renderBotMessage(message, live) {
    var custom = message.custom;
    var result =
      custom && custom.type === "eligibility_result" && custom.result && typeof custom.result === "object"
        ? custom.result
        : null;
    var call = custom && custom.type === "handoff" ? renderHandoff(custom) : null;
    if (!message.text && !result && !message.buttons.length && !message.citations.length) return null;
    var node = el("div", { class: "msg bot", "data-role": "bot-message" });
    if (result) {
      node.append(renderEligibility(result, message.text));
    } else if (message.text || call) {
      node.append(el("div", { class: "bubble" }, [message.text, call ? el("br") : null, call]));
    }
    if (message.citations.length) node.append(renderCitations(message.citations));
    if (message.buttons.length) {
      var chips = el("div", { class: "chips", role: "group", "aria-label": "可选回复" });
      message.buttons.forEach(function (button) {
        var chip = el("button", { type: "button", class: "chip", text: button.title, disabled: !live });
        chip.addEventListener("click", function (event) {
          send(button.payload, button.title, refocus(event));
        });
        chips.append(chip);
      });
      node.append(chips);
    }
    return node;
  }

  // After a button, the input gets the focus back for keyboard users (a click
  // with detail 0) and on desktops; on a phone that would pop up the keyboard.
  function refocus(event) {
    var desktop = window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches;
    return event.detail === 0 || Boolean(desktop);
  }

  function isAnswer(entry) {
    // A turn that asks the next question of a form is not an answer to rate,
    // nor the confirmation that the conversation was erased.
    return entry.messages.some(function (m) {
      return m.text;
    }) && !entry.messages.some(function (m) {
      return m.custom && (m.custom.type === "form_question" || m.custom.type === "conversation_erased");
    });
  }

  function renderRating(entry) {
    var row = el("div", { class: "rate", role: "group", "aria-label": "这个回答有帮助吗？" });
    var thanks = el("span", { class: "thanks", "aria-live": "polite" });
    var buttons = [
      ["up", "有帮助"],
      ["down", "没帮助"],
    ].map(function (spec) {
      var button = el(
        "button",
        {
          type: "button",
          "aria-label": spec[1],
          title: spec[1],
          "aria-pressed": String(entry.rating === spec[0]),
          disabled: entry.rating !== null,
        },
        [icon("thumb", spec[0] === "down")]
      );
      button.addEventListener("click", function () {
        rate(entry, spec[0], buttons, thanks);
      });
      return button;
    });
    if (entry.rating) thanks.textContent = "谢谢反馈";
    row.append(buttons[0], buttons[1], thanks);
    return row;
  }

  function renderEntry(entry, live) {
    if (entry.type === "user") {
      return el("div", { class: "msg user" }, [el("p", { class: "bubble", text: entry.text })]);
    }
    var group = document.createDocumentFragment();
    entry.messages.forEach(function (message) {
      var node = renderBotMessage(message, live);
      if (node) group.append(node);
    });
    // A reply restored with its text masked can no longer be rated (unless it was).
    if (isAnswer(entry) && (!entry.scrubbed || entry.rating)) group.append(renderRating(entry));
    return group;
  }

  // ---- The widget -----------------------------------------------------------

  var state = loadState();
  var busy = false;
  var ui = null;

  function build() {
    var host = el("div", { id: HOST_ID });
    host.style.setProperty("--ipr-color", options.color); // CSSOM: allowed under any CSP
    var shadow = host.attachShadow({ mode: "open" });
    if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(el("style", { text: CSS })); // older browsers
    }
    var titleId = uid("title");
    var panelId = uid("panel");
    var launcher = el(
      "button",
      {
        type: "button",
        class: "launcher",
        "data-role": "launcher",
        "aria-haspopup": "dialog",
        "aria-expanded": "false",
        "aria-controls": panelId,
        "aria-label": "打开" + options.title,
      },
      [icon("chat"), el("span", { text: "咨询" })]
    );
    var handoff = el("button", { type: "button", class: "handoff", text: "转人工", "aria-label": "转人工服务" });
    var close = el("button", { type: "button", class: "close", "aria-label": "关闭", title: "关闭", text: "×" });
    var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "对话记录", tabindex: "0" });
    var typing = el("div", { class: "msg bot typing", "aria-hidden": "true", hidden: true }, [
      el("div", { class: "bubble" }, [el("i"), el("i"), el("i")]),
    ]);
    var status = el("div", { class: "sr-only", role: "status" });
    var input = el("textarea", {
      "data-role": "input",
      rows: "1",
      maxlength: String(MAX_INPUT_CHARS),
      placeholder: "请输入您的问题…",
      "aria-label": "输入您的问题",
      enterkeyhint: "send",
    });
    var sendButton = el("button", { type: "submit", class: "send", "data-role": "send", text: "发送", "aria-label": "发送" });
    var form = el("form", { class: "composer" }, [input, sendButton]);
    var panel = el(
      "section",
      { class: "panel", id: panelId, role: "dialog", "aria-modal": "false", "aria-labelledby": titleId, hidden: true },
      [
        el("div", { class: "head" }, [el("h2", { id: titleId, text: options.title }), handoff, close]),
        log,
        status,
        form,
      ]
    );
    var rootBox = el("div", { class: "root " + options.position }, [launcher, panel]);
    shadow.append(rootBox);

    launcher.addEventListener("click", function () {
      if (panel.hidden) openPanel(true);
      else closePanel();
    });
    close.addEventListener("click", closePanel);
    handoff.addEventListener("click", function (event) {
      send("/ask_human", "转人工", refocus(event));
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        closePanel();
      }
    });
    input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter breaks the line; Enter that confirms a
      // Chinese input method's candidate (isComposing / 229) must not send.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submit();
      }
    });
    input.addEventListener("input", fitInput);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });
    document.body.append(host);
    return {
      root: rootBox, launcher: launcher, panel: panel, log: log, typing: typing,
      status: status, input: input, send: sendButton,
    };
  }

  function fitInput() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + "px";
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function openPanel(focus) {
    ui.panel.hidden = false;
    ui.root.classList.add("open");
    ui.launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    saveState();
    scrollToEnd();
    if (focus) ui.input.focus();
  }

  function closePanel() {
    ui.panel.hidden = true;
    ui.root.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    ui.launcher.focus();
  }

  function renderAll() {
    ui.log.textContent = "";
    ui.log.append(el("div", { class: "msg bot", "data-role": "bot-message" }, [el("p", { class: "bubble", text: options.greeting })]));
    var last = state.entries.length - 1;
    state.entries.forEach(function (entry, index) {
      ui.log.append(renderEntry(entry, index === last)); // only the newest buttons still act
    });
    ui.log.append(ui.typing);
  }

  function append(entry) {
    state.entries.push(entry);
    saveState();
    ui.log.insertBefore(renderEntry(entry, true), ui.typing);
    scrollToEnd();
  }

  function notice(text) {
    ui.log.insertBefore(el("p", { class: "notice", role: "alert", text: text }), ui.typing);
    scrollToEnd();
  }

  function setBusy(value) {
    busy = value;
    ui.typing.hidden = !value;
    ui.send.disabled = value;
    ui.log.setAttribute("aria-busy", String(value));
    ui.status.textContent = value ? "正在回复…" : "";
    if (value) scrollToEnd();
  }

  function retireButtons() {
    Array.prototype.forEach.call(ui.log.querySelectorAll(".chip"), function (chip) {
      chip.disabled = true;
    });
  }

  function submit() {
    var text = ui.input.value.trim();
    if (!text || busy) return;
    ui.input.value = "";
    fitInput();
    send(text, text, true);
  }

  function send(text, shown, keepFocus) {
    if (busy) return;
    retireButtons();
    var personal = PERSONAL_SLOTS.indexOf(askedSlot(state.entries[state.entries.length - 1])) >= 0;
    if (personal && shown.trim().length >= 2) typedSecrets.push(shown.trim());
    append({ type: "user", text: shown, personal: personal });
    setBusy(true);
    if (keepFocus) ui.input.focus();
    post("api/v1/chat", { session_id: state.sessionId || null, text: text })
      .then(function (reply) {
        if (!reply || !Array.isArray(reply.messages)) throw new WidgetError("系统繁忙，请稍后再试。");
        if (typeof reply.session_id === "string") state.sessionId = reply.session_id;
        setBusy(false);
        var messages = reply.messages.map(cleanMessage);
        if (erased(messages)) {
          // “删除我的信息”: the server erased the conversation; so does the page.
          state.entries = [];
          typedSecrets.length = 0;
          renderAll();
          shown = "";
        }
        append({ type: "bot", question: shown, messages: messages, rating: null, personal: personal });
      })
      .catch(function (err) {
        setBusy(false);
        notice(err instanceof WidgetError ? err.userMessage : "系统繁忙，请稍后再试。");
      });
  }

  function erased(messages) {
    return messages.some(function (m) {
      return m.custom && m.custom.type === "conversation_erased";
    });
  }

  function rate(entry, rating, buttons, thanks) {
    if (entry.rating || !state.sessionId) return;
    entry.rating = rating;
    saveState();
    buttons.forEach(function (button, index) {
      button.disabled = true;
      button.setAttribute("aria-pressed", String((index === 0 ? "up" : "down") === rating));
    });
    thanks.textContent = "谢谢反馈";
    var answer = entry.messages
      .map(function (m) {
        return m.text;
      })
      .filter(Boolean)
      .join("\n");
    post("api/v1/feedback", {
      session_id: state.sessionId,
      rating: rating,
      question: clip(entry.question, FEEDBACK_QUESTION_CHARS),
      answer: clip(answer, FEEDBACK_ANSWER_CHARS),
    }).catch(function (err) {
      entry.rating = null; // not stored: let the person try again
      saveState();
      buttons.forEach(function (button) {
        button.disabled = false;
        button.setAttribute("aria-pressed", "false");
      });
      thanks.textContent = err instanceof WidgetError ? err.userMessage : "反馈没有发出去，请稍后再试。";
    });
  }

  function start() {
    ui = build();
    renderAll();
    if (state.open) openPanel(false); // a reload keeps the panel as it was, without taking focus
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();

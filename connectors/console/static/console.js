/*
 * 热线坐席工作台 — the console page. Plain JavaScript, no framework, nothing
 * loaded from any other host.
 *
 * - Every text from the server (passages, case fields, questions people typed)
 *   goes into the page as text nodes or textContent; nothing is parsed as HTML.
 *   Search matches are marked from offsets the server computed (UTF-16 units,
 *   as JavaScript strings count), by splitting the text into text nodes.
 * - The session cookie is HttpOnly; this script sends the session's CSRF token
 *   (from GET /console/api/session) in X-CSRF-Token on every POST.
 * - Any 401 means the session is over: back to the sign-in page.
 * - Search: one request per pause in typing (250 ms), older requests aborted,
 *   late answers to older text ignored. ArrowUp/ArrowDown choose a result,
 *   Enter copies its ready-to-read answer with the citation.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var RESULTS = "8";
  var FINANCIAL = { eligible: "符合条件", not_eligible: "不符合条件", review: "需中心个案审核" };
  var REFERRAL = {
    overseas_center: "国家海外知识产权纠纷应对指导中心",
    transfer_region: "移交所在地的维权援助机构办理",
  };
  var OUTCOMES = {
    consultation: "公益咨询指导",
    infringement_opinion: "侵权判定参考意见",
    financial_assistance: "资金援助",
    referral: "转介",
  };

  var csrfToken = "";

  function byId(id) {
    return document.getElementById(id);
  }

  /* An element with attributes and children; strings become text nodes. */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  var toastTimer = null;
  function toast(text) {
    var box = byId("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      box.hidden = true;
    }, 2500);
  }

  function signInAgain() {
    window.location.assign("/console/login?expired=1");
  }

  /* fetch with the session: JSON in and out, the CSRF header on POST, Chinese errors. */
  function api(path, options) {
    options = options || {};
    var method = options.method || "GET";
    var init = { method: method, credentials: "same-origin", headers: {} };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (method !== "GET") {
      init.headers["X-CSRF-Token"] = csrfToken;
    }
    if (options.signal) {
      init.signal = options.signal;
    }
    return fetch(path, init).then(function (response) {
      if (response.status === 401) {
        signInAgain();
        throw new Error("登录已过期，请重新登录。");
      }
      if (response.status === 204) {
        return null;
      }
      return response
        .json()
        .catch(function () {
          return null;
        })
        .then(function (body) {
          if (!response.ok) {
            throw new Error(body && body.message ? body.message : "操作失败，请稍后再试。");
          }
          return body;
        });
    });
  }

  /* ---- copying ---------------------------------------------------------- */

  function fallbackCopy(text) {
    var area = el("textarea", { readonly: "", class: "offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  /* ---- search ----------------------------------------------------------- */

  var search = {
    input: byId("search"),
    list: byId("results"),
    status: byId("search-status"),
    results: [],
    selected: -1,
    timer: null,
    sequence: 0,
    controller: null,
  };

  function searchStatus(text, isError) {
    search.status.textContent = text;
    search.status.classList.toggle("error", Boolean(isError));
  }

  function citationOf(result) {
    return result.citation || "《" + result.title + "》" + result.doc_number + " " + result.section;
  }

  function answerOf(result) {
    return result.answer || result.text + "\n——" + citationOf(result);
  }

  /* The passage as text nodes, with <mark> around the server's [start, end) spans. */
  function highlighted(text, spans) {
    var node = el("div", { class: "text" });
    var position = 0;
    (spans || []).forEach(function (span) {
      var start = span[0];
      var end = span[1];
      if (start < position || end <= start || end > text.length) {
        return;
      }
      if (start > position) {
        node.appendChild(document.createTextNode(text.slice(position, start)));
      }
      node.appendChild(el("mark", {}, [text.slice(start, end)]));
      position = end;
    });
    if (position < text.length) {
      node.appendChild(document.createTextNode(text.slice(position)));
    }
    return node;
  }

  function select(index) {
    var items = search.list.children;
    if (!items.length) {
      search.selected = -1;
      search.input.removeAttribute("aria-activedescendant");
      return;
    }
    search.selected = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i += 1) {
      items[i].setAttribute("aria-selected", i === search.selected ? "true" : "false");
    }
    var chosen = items[search.selected];
    search.input.setAttribute("aria-activedescendant", chosen.id);
    chosen.scrollIntoView({ block: "nearest" });
  }

  function copyResult(index) {
    var result = search.results[index];
    if (!result) {
      return;
    }
    copyText(answerOf(result)).then(
      function () {
        toast("已复制第 " + (index + 1) + " 条答复（含出处）");
      },
      function () {
        toast("复制失败，请手动选中文字复制");
      }
    );
  }

  function renderResults(body) {
    clear(search.list);
    search.results = body ? body.results : [];
    search.results.forEach(function (result, index) {
      var copy = el("button", { type: "button", class: "copy", tabindex: "-1" }, ["复制"]);
      var item = el("li", { id: "result-" + index, role: "option", "aria-selected": "false" }, [
        el("div", { class: "citation" }, [citationOf(result)]),
        copy,
        highlighted(result.text, result.highlights),
        el("div", { class: "score" }, ["相关度 " + Math.round(result.score * 100) + "%"]),
      ]);
      copy.addEventListener("click", function (event) {
        event.stopPropagation();
        select(index);
        copyResult(index);
      });
      item.addEventListener("click", function () {
        select(index);
        search.input.focus();
      });
      search.list.appendChild(item);
    });
    search.input.setAttribute("aria-expanded", search.results.length ? "true" : "false");
    select(0);
    if (!body) {
      searchStatus("");
    } else if (!search.results.length) {
      searchStatus("政策文件中没有找到相关内容。");
    } else if (!body.answerable) {
      searchStatus("没有能直接回答的条款，以下是最接近的内容，仅供参考。");
    } else {
      searchStatus("找到 " + search.results.length + " 条。↑ ↓ 选择，回车复制。");
    }
  }

  function runSearch() {
    search.timer = null;
    var question = search.input.value.trim();
    if (search.controller) {
      search.controller.abort();
      search.controller = null;
    }
    search.sequence += 1;
    var sequence = search.sequence;
    if (!question) {
      renderResults(null);
      return;
    }
    var controller = new AbortController();
    search.controller = controller;
    searchStatus("正在检索…");
    var query = new URLSearchParams({ q: question, k: RESULTS });
    api("/api/v1/search?" + query.toString(), { signal: controller.signal }).then(
      function (body) {
        if (sequence === search.sequence) {
          renderResults(body);
        }
      },
      function (error) {
        if (error.name !== "AbortError" && sequence === search.sequence) {
          searchStatus(error.message, true);
        }
      }
    );
  }

  search.input.addEventListener("input", function () {
    clearTimeout(search.timer);
    search.timer = setTimeout(runSearch, DEBOUNCE_MS);
  });

  search.input.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) {
      return; // the input method is choosing a candidate: its keys are not ours
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(search.selected + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (search.timer) {
        clearTimeout(search.timer);
        runSearch(); // the results on screen are for older text: show the new ones first
      } else {
        copyResult(search.selected);
      }
    } else if (event.key === "Escape") {
      clearTimeout(search.timer);
      search.input.value = "";
      runSearch();
    }
  });

  /* ---- eligibility quick check ------------------------------------------ */

  var eligibility = { facts: [], selects: {} };

  function buildEligibilityForm(body) {
    var fields = byId("eligibility-fields");
    clear(fields);
    eligibility.facts = body.facts;
    body.facts.forEach(function (fact) {
      var choice = el("select", { name: fact.name }, [el("option", { value: "" }, ["（未知）"])]);
      fact.options.forEach(function (option, index) {
        choice.appendChild(el("option", { value: String(index) }, [option.label]));
      });
      eligibility.selects[fact.name] = choice;
      fields.appendChild(el("label", {}, [fact.question, choice]));
    });
  }

  function factLabel(name) {
    var fact = eligibility.facts.filter(function (f) {
      return f.name === name;
    })[0];
    return fact ? fact.question : name;
  }

  function outcomeText(key, value) {
    if (key === "financial_assistance") {
      return FINANCIAL[value] || String(value);
    }
    if (key === "referral") {
      return value ? REFERRAL[value] || String(value) : "无需转介，由本中心受理";
    }
    return value ? "可以" : "不适用";
  }

  function renderEligibility(body) {
    var box = byId("eligibility-result");
    clear(box);
    if (!body.complete) {
      box.appendChild(el("p", {}, ["还需要了解："]));
      box.appendChild(
        el(
          "ul",
          {},
          body.needed.map(function (name) {
            return el("li", {}, [factLabel(name)]);
          })
        )
      );
      return;
    }
    var outcomes = el("dl", { class: "outcomes" });
    Object.keys(OUTCOMES).forEach(function (key) {
      outcomes.appendChild(el("dt", {}, [OUTCOMES[key]]));
      outcomes.appendChild(el("dd", {}, [outcomeText(key, body.result[key])]));
    });
    box.appendChild(outcomes);
    var basis = el("ul", { class: "basis" });
    body.result.basis.forEach(function (cited) {
      basis.appendChild(
        el("li", {}, [
          (OUTCOMES[cited.outcome] || cited.outcome) + "：" + cited.explain + " 依据 " + cited.citation + " ",
          el("q", {}, [cited.quote]),
        ])
      );
    });
    box.appendChild(basis);
  }

  byId("eligibility-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var facts = {};
    eligibility.facts.forEach(function (fact) {
      var picked = eligibility.selects[fact.name].value;
      if (picked !== "") {
        facts[fact.name] = fact.options[Number(picked)].value;
      }
    });
    api("/console/api/eligibility", { method: "POST", body: { facts: facts } }).then(
      renderEligibility,
      function (error) {
        var box = byId("eligibility-result");
        clear(box);
        box.appendChild(el("p", { class: "error" }, [error.message]));
      }
    );
  });

  byId("eligibility-reset").addEventListener("click", function () {
    clear(byId("eligibility-result"));
  });

  /* ---- case lookup ------------------------------------------------------ */

  var shownCase = "";

  function definitionList(className, pairs) {
    var list = el("dl", { class: className });
    pairs.forEach(function (pair) {
      list.appendChild(el("dt", {}, [pair.label]));
      list.appendChild(el("dd", {}, [pair.value]));
    });
    return list;
  }

  function renderCase(body) {
    var box = byId("case-result");
    clear(box);
    shownCase = body.case_number;
    box.appendChild(
      el("p", { class: body.masked ? "masked-note" : "unmasked-note" }, [
        body.masked
          ? "个人信息已遮盖。确需完整信息，请在下方填写理由。"
          : "正在显示完整个人信息，本次查看已记入处理记录。",
      ])
    );
    box.appendChild(definitionList("case-fields", body.fields));
    if (body.eligibility.length) {
      box.appendChild(el("h3", {}, ["援助资格"]));
      box.appendChild(definitionList("case-fields", body.eligibility));
      box.appendChild(
        el(
          "ul",
          {},
          body.reasons.map(function (reason) {
            return el("li", {}, [reason]);
          })
        )
      );
    }
    if (body.events.length) {
      box.appendChild(el("h3", {}, ["处理记录"]));
      box.appendChild(
        el(
          "ol",
          { class: "events" },
          body.events.map(function (event) {
            return el("li", {}, [[event.at, event.kind, event.actor, event.detail].join("  ")]);
          })
        )
      );
    }
    byId("unmask-form").hidden = !body.masked;
  }

  function caseFailed(error) {
    var box = byId("case-result");
    clear(box);
    box.appendChild(el("p", { class: "error" }, [error.message]));
    byId("unmask-form").hidden = true;
  }

  byId("case-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var number = byId("case-number").value.trim();
    if (!number) {
      byId("case-number").focus();
      return;
    }
    api("/console/api/cases/" + encodeURIComponent(number)).then(renderCase, caseFailed);
  });

  byId("unmask-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reasonInput = byId("unmask-reason");
    var reason = reasonInput.value.trim();
    if (!reason) {
      toast("请先填写查看完整信息的理由");
      reasonInput.focus();
      return;
    }
    api("/console/api/cases/" + encodeURIComponent(shownCase) + "/unmask", {
      method: "POST",
      body: { reason: reason },
    }).then(function (body) {
      reasonInput.value = "";
      renderCase(body);
    }, caseFailed);
  });

  /* ---- unresolved questions --------------------------------------------- */

  function entry(at, question, answer) {
    var parts = [el("time", {}, [at]), question];
    if (answer) {
      parts.push(el("span", { class: "answer" }, ["回答：" + answer]));
    }
    return el("li", {}, parts);
  }

  function fill(list, items, empty, render) {
    clear(list);
    if (!items.length) {
      list.appendChild(el("li", { class: "hint" }, [empty]));
    }
    items.forEach(function (item) {
      list.appendChild(render(item));
    });
  }

  function loadUnresolved() {
    api("/console/api/unresolved").then(
      function (body) {
        fill(byId("unanswered"), body.unanswered, "暂无", function (item) {
          return entry(item.at, item.question);
        });
        fill(byId("disliked"), body.disliked, "暂无", function (item) {
          return entry(item.at, item.question || "（无问题文字）", item.answer);
        });
      },
      function (error) {
        fill(byId("unanswered"), [], error.message, null);
        clear(byId("disliked"));
      }
    );
  }

  byId("unresolved-refresh").addEventListener("click", loadUnresolved);

  /* ---- session ---------------------------------------------------------- */

  byId("sign-out").addEventListener("click", function () {
    api("/console/api/logout", { method: "POST" }).then(
      function () {
        window.location.assign("/console/login");
      },
      function (error) {
        toast(error.message);
      }
    );
  });

  api("/console/api/session").then(function (body) {
    csrfToken = body.csrf_token;
    byId("agent-name").textContent = body.name;
    api("/console/api/eligibility").then(buildEligibilityForm, function (error) {
      byId("eligibility-fields").appendChild(el("p", { class: "error" }, [error.message]));
    });
    loadUnresolved();
  }, function (error) {
    toast(error.message); // a 401 has already gone back to the sign-in page
  });
})();

/*
 * 热线坐席工作台 — the sign-in page. Posts the name and password as JSON to
 * /console/api/login (same origin; the session cookie comes back HttpOnly)
 * and goes to /console. Every text shown is set with textContent.
 */
(function () {
  "use strict";

  var form = document.getElementById("sign-in-form");
  var nameInput = document.getElementById("name");
  var passwordInput = document.getElementById("password");
  var submit = document.getElementById("submit");
  var notice = document.getElementById("notice");

  function show(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  if (new URLSearchParams(window.location.search).get("expired") === "1") {
    show("登录已过期，请重新登录。");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var name = nameInput.value.trim();
    var password = passwordInput.value;
    if (!name || !password) {
      show("请输入账号和密码。");
      (name ? passwordInput : nameInput).focus();
      return;
    }
    submit.disabled = true;
    show("");
    fetch("/console/api/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: name, password: password }),
    })
      .then(function (response) {
        if (response.ok) {
          window.location.assign("/console");
          return null;
        }
        return response.json().then(
          function (body) { show(body && body.message ? body.message : "登录失败，请重试。"); },
          function () { show("登录失败，请重试。"); }
        );
      })
      .catch(function () {
        show("网络连接失败，请检查网络后重试。");
      })
      .then(function () {
        submit.disabled = false;
        passwordInput.value = "";
        passwordInput.focus();
      });
  });
})();

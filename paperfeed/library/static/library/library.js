// Save to the library without a page reload (paperfeed/inplace.js posts the form).
window.paperfeedInPlace("form[data-save]", "Saving did not go through.", function (form, button, data) {
  var saved = data.saved;
  button.classList.toggle("is-saved", saved);
  button.setAttribute("aria-pressed", saved ? "true" : "false");
  button.title = saved ? "In your library: click to remove" : "Save to your library";
  button.querySelector("[aria-hidden]").textContent = saved ? "★" : "☆";
  button.querySelector(".save-label").textContent = saved ? "Saved" : "Save";
});

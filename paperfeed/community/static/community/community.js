// Upvote without a page reload (paperfeed/inplace.js posts the form).
window.paperfeedInPlace("form[data-upvote]", "The upvote did not go through.", function (form, button, data) {
  button.classList.toggle("is-voted", data.upvoted);
  button.setAttribute("aria-pressed", data.upvoted ? "true" : "false");
  button.title = data.upvoted ? "Remove your upvote" : "Upvote";
  form.querySelector(".upvote-count").textContent = data.count;
});

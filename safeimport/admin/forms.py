"""The two forms of the admin import: the upload with its options, and the confirmation."""

from __future__ import annotations

from typing import Any

from django import forms

from .formats import FORMATS

__all__ = ["ConfirmForm", "ImportForm"]


class ImportForm(forms.Form):
    """A file and the options of its load."""

    import_file = forms.FileField(
        label="File",
        help_text="CSV, TSV, JSON, JSON Lines or XLSX, with a header row of field names.",
    )
    input_format = forms.ChoiceField(
        label="Format",
        choices=[("", "Tell from the file"), *FORMATS.items()],
        required=False,
    )
    on_conflict = forms.ChoiceField(
        label="Rows whose key is already in the table",
        choices=[
            ("error", "Refuse the file"),
            ("skip", "Leave them out, keep the rows in the table"),
            ("update", "Update the rows in the table with them"),
        ],
        initial="error",
        widget=forms.RadioSelect,
    )
    on_error = forms.ChoiceField(
        label="Bad rows",
        choices=[
            ("raise", "Refuse the file: import nothing while any row is bad"),
            ("skip", "Set them aside in a file to download, import the others"),
        ],
        initial="raise",
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label="Mode",
        choices=[
            ("append", "Add the file's rows to the table"),
            ("replace", "Replace the table: delete every row that the file does not have"),
        ],
        initial="append",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        """Refuse option pairs that the loaders refuse."""
        data = super().clean() or {}
        if data.get("mode") == "replace" and data.get("on_conflict", "error") != "error":
            self.add_error(
                "on_conflict",
                "A replace updates the rows whose key is in the file and deletes the others: "
                "leave this at 'Refuse the file'.",
            )
        return data


class ConfirmForm(forms.Form):
    """The confirmation of a previewed import; a replace asks to type the model's label."""

    confirm_label = forms.CharField(
        label="Type the model's name to confirm",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, label: str, replace: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label
        self.replace = replace

    def clean_confirm_label(self) -> str:
        """For a replace: the model's label, exactly."""
        typed = str(self.cleaned_data.get("confirm_label") or "").strip()
        if self.replace and typed != self.label:
            raise forms.ValidationError(
                f"Type {self.label} to confirm that every row of it that the file does "
                "not have is deleted.",
                code="confirm",
            )
        return typed

console.error("sample console error");

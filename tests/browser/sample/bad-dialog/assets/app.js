window.alert("sample dialog");

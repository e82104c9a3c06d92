// Updater: the update check of an Outlook connector updater through
// Olkit.cs, the C# binding of the olkit C ABI. C# 7; runs on Mono and
// .NET Framework 4.x.
//
//   Updater.exe <manifest-url> <pubkey-file> <installed.reg> <env.json> [--download DIR]
//
// 1. fetches the manifest and its signature (<manifest-url>.minisig) with
//    the program's own HTTP stack (HttpWebRequest: the add-in's proxy and
//    authentication settings apply);
// 2. Olkit.Updates.Check verifies the signature by the pinned key, reads
//    the installed products of the .reg export and plans the updates for
//    the machine of env.json, in one call;
// 3. prints the list an updater shows, from the check's report (JSON);
// 4. with --download: fetches each offered package, feeding every chunk
//    to ManifestCheck as it arrives, and keeps the file (DIR\name) only
//    when its size and SHA-256 match the manifest.
//
// Exit code: 0 when the check (and every download) succeeded, 1 otherwise.
// Build and run: README.md beside this file.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using Olkit;

static class Updater
{
    static int Main(string[] args)
    {
        // The list has the manifest's texts in any language.
        Console.OutputEncoding = new UTF8Encoding(false);
        try
        {
            return Run(args);
        }
        catch (Exception e) when (e is WebException || e is IOException || e is OlkitException || e is FormatException)
        {
            Console.Error.WriteLine("updater: " + e.Message);
            return 1;
        }
    }

    static int Run(string[] args)
    {
        string downloadDir = null;
        if (args.Length == 6 && args[4] == "--download")
        {
            downloadDir = args[5];
        }
        else if (args.Length != 4)
        {
            Console.Error.WriteLine(
                "usage: Updater.exe <manifest-url> <pubkey-file> <installed.reg> <env.json> [--download DIR]");
            return 1;
        }
        var request = new UpdatesRequest
        {
            Manifest = Fetch(args[0]),
            Signature = Fetch(args[0] + ".minisig"),
            PublicKeys = new[] { File.ReadAllText(args[1]) },
            Inventory = File.ReadAllBytes(args[2]),
            EnvironmentJson = File.ReadAllText(args[3]),
            // A real updater also stores result.SerialToStore and passes it
            // as LastSerial next time, so that an older manifest replayed
            // later is refused.
        };
        UpdatesCheck result;
        try
        {
            result = Updates.Check(request);
        }
        catch (OlkitException e)
        {
            Console.Error.WriteLine("updater: manifest refused (" + Library.StatusString(e.Status) + "): " + e.Message);
            return 1;
        }
        using (result)
        {
            var report = (Dictionary<string, object>)new JsonReader(result.ReportJson).Read();
            var items = (List<object>)report["items"];
            PrintList(report, items);
            if (downloadDir == null)
            {
                return 0;
            }
            bool allVerified = true;
            foreach (object index in (List<object>)report["order"])
            {
                int i = int.Parse((string)index, CultureInfo.InvariantCulture);
                allVerified &= Download(result.Plan, i, (Dictionary<string, object>)items[i], downloadDir);
            }
            return allVerified ? 0 : 1;
        }
    }

    /// <summary>The whole body of url (the manifest and its signature are small).</summary>
    static byte[] Fetch(string url)
    {
        var buffer = new MemoryStream();
        Fetch(url, (chunk, count) => buffer.Write(chunk, 0, count));
        return buffer.ToArray();
    }

    /// <summary>Calls onChunk for each piece of the body of url as it arrives.</summary>
    static void Fetch(string url, Action<byte[], int> onChunk)
    {
        var request = (HttpWebRequest)WebRequest.Create(url);
        request.Timeout = 30000;
        request.ReadWriteTimeout = 30000;
        request.UserAgent = "olkit-dotnet-updater";
        using (var response = (HttpWebResponse)request.GetResponse())
        using (Stream body = response.GetResponseStream())
        {
            var chunk = new byte[8192];
            int count;
            while ((count = body.Read(chunk, 0, chunk.Length)) > 0)
            {
                onChunk(chunk, count);
            }
        }
    }

    /// <summary>A JSON string or number as text; "none" for null.</summary>
    static string Shown(object value)
    {
        return value == null ? "none" : (string)value;
    }

    static void PrintList(Dictionary<string, object> report, List<object> items)
    {
        Console.Write("manifest serial " + Shown(report["serial"]) + ", signed by key " + Shown(report["key_id"]) + "\n");
        foreach (object warning in (List<object>)report["warnings"])
        {
            Console.Write("warning: " + warning + "\n");
        }
        foreach (Dictionary<string, object> item in items)
        {
            Console.Write(item["product"] + ": " + Shown(item["installed"]) + " -> " + item["offered"]
                + " (" + item["action"] + ")\n");
            Console.Write("  importance: " + Shown(item["importance"]) + "\n");
            Console.Write("  critical: " + ((bool)item["critical"] ? "yes" : "no") + "\n");
            Console.Write("  cache upgrade: " + Shown(item["cache_upgrade"]) + "\n");
            foreach (Dictionary<string, object> text in (List<object>)item["details"])
            {
                Console.Write("  details [" + text["lang"] + "]: " + text["text"] + "\n");
            }
            foreach (Dictionary<string, object> text in (List<object>)item["release_notes"])
            {
                Console.Write("  release notes [" + text["lang"] + "]: " + text["text"] + "\n");
            }
            foreach (object reason in (List<object>)item["reasons"])
            {
                Console.Write("  reason: " + reason + "\n");
            }
        }
    }

    /// <summary>Downloads the package of plan item index into dir; true when verified and kept.</summary>
    static bool Download(ManifestPlan plan, int index, Dictionary<string, object> item, string dir)
    {
        string name = (string)item["product"];
        string url = (string)(item["url"] ?? item["msi_url"]);
        if (url == null)
        {
            Console.Write(name + ": no package URL\n");
            return false;
        }
        string finalPath = Path.Combine(dir, url.Substring(url.LastIndexOf('/') + 1));
        string partPath = finalPath + ".part";
        Console.Write("download " + name + ": " + url + "\n");
        try
        {
            ManifestVerdict verdict;
            using (ManifestCheck check = plan.CheckPackage(index))
            {
                using (var file = new FileStream(partPath, FileMode.Create, FileAccess.Write))
                {
                    Fetch(url, (chunk, count) =>
                    {
                        // Each chunk is checked as it arrives: a package longer
                        // than the manifest says stops the download at once.
                        var piece = new byte[count];
                        Array.Copy(chunk, piece, count);
                        check.Update(piece);
                        file.Write(chunk, 0, count);
                    });
                }
                verdict = check.Finish();
            }
            if (File.Exists(finalPath))
            {
                File.Delete(finalPath);
            }
            File.Move(partPath, finalPath);
            Console.Write(name + ": verified, " + verdict.Bytes + " bytes ("
                + (verdict.Strength == ManifestDigest.Sha256 ? "SHA-256" : "MD5 only, weak")
                + "), saved as " + finalPath + "\n");
            return true;
        }
        catch (Exception e) when (e is WebException || e is IOException || e is OlkitException)
        {
            File.Delete(partPath);
            Console.Write(name + ": NOT verified: " + e.Message + "; nothing kept\n");
            return false;
        }
    }
}

/// <summary>A minimal JSON reader for the report of Updates.Check: objects
/// are Dictionary&lt;string, object&gt;, arrays List&lt;object&gt;, strings
/// and numbers (as written) string, true/false bool, null null.</summary>
sealed class JsonReader
{
    readonly string s;
    int i;

    public JsonReader(string text)
    {
        s = text;
    }

    public object Read()
    {
        object value = Value();
        SkipSpace();
        if (i != s.Length)
        {
            throw Fail();
        }
        return value;
    }

    FormatException Fail()
    {
        return new FormatException("the report is not JSON (at character " + i + ")");
    }

    void SkipSpace()
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }
    }

    bool Eat(char c)
    {
        SkipSpace();
        if (i < s.Length && s[i] == c)
        {
            i++;
            return true;
        }
        return false;
    }

    bool Word(string w)
    {
        if (string.CompareOrdinal(s, i, w, 0, w.Length) != 0)
        {
            return false;
        }
        i += w.Length;
        return true;
    }

    string String()
    {
        if (!Eat('"'))
        {
            throw Fail();
        }
        var out_ = new StringBuilder();
        while (i < s.Length && s[i] != '"')
        {
            char c = s[i++];
            if (c != '\\')
            {
                out_.Append(c);
                continue;
            }
            if (i >= s.Length)
            {
                throw Fail();
            }
            c = s[i++];
            int simple = "\"\\/bfnrt".IndexOf(c);
            if (simple >= 0)
            {
                out_.Append("\"\\/\b\f\n\r\t"[simple]);
            }
            else if (c == 'u' && i + 4 <= s.Length)
            {
                // A UTF-16 code unit: surrogate pairs join in the string.
                out_.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 4;
            }
            else
            {
                throw Fail();
            }
        }
        if (i++ >= s.Length)
        {
            throw Fail();
        }
        return out_.ToString();
    }

    object Value()
    {
        SkipSpace();
        if (i >= s.Length)
        {
            throw Fail();
        }
        char c = s[i];
        if (c == '{')
        {
            i++;
            var fields = new Dictionary<string, object>();
            if (!Eat('}'))
            {
                do
                {
                    string key = String();
                    if (!Eat(':'))
                    {
                        throw Fail();
                    }
                    fields[key] = Value();
                } while (Eat(','));
                if (!Eat('}'))
                {
                    throw Fail();
                }
            }
            return fields;
        }
        if (c == '[')
        {
            i++;
            var items = new List<object>();
            if (!Eat(']'))
            {
                do
                {
                    items.Add(Value());
                } while (Eat(','));
                if (!Eat(']'))
                {
                    throw Fail();
                }
            }
            return items;
        }
        if (c == '"')
        {
            return String();
        }
        if (Word("true"))
        {
            return true;
        }
        if (Word("false"))
        {
            return false;
        }
        if (Word("null"))
        {
            return null;
        }
        int start = i;
        while (i < s.Length && "+-.0123456789eE".IndexOf(s[i]) >= 0)
        {
            i++;
        }
        if (i == start)
        {
            throw Fail();
        }
        return s.Substring(start, i - start);
    }
}

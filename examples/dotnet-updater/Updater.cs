// Updater: the update check of an Outlook connector updater through
// Olkit.cs, the C# binding of the olkit C ABI. C# 7; runs on Mono and
// .NET Framework 4.x.
//
//   Updater.exe <manifest-url> <pubkey-file> <installed.reg> <env.json>
//               [--state FILE] [--download DIR]
//
// 1. fetches the manifest and its signature (<manifest-url>.minisig; a 404
//    means unsigned, which the check refuses) with the program's own HTTP
//    stack (HttpWebRequest: the add-in's proxy and authentication settings
//    apply);
// 2. Olkit.Updates.Check verifies the signature by the pinned key and the
//    serial against the one --state FILE keeps (a replayed older manifest
//    is refused), reads the installed products of the .reg export and
//    plans the updates for the machine of env.json, in one call;
// 3. prints the list an updater shows, from the check's report (JSON), and
//    stores the accepted serial in the state file;
// 4. with --download: fetches each offered package into DIR\name.part,
//    feeding every chunk to ManifestCheck as it arrives, and renames it to
//    DIR\name only when its size and SHA-256 match the manifest. An
//    interrupted transfer keeps the .part; the next run resumes it with a
//    Range request.
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
        catch (Exception e) when (e is TransferException || e is IOException || e is OlkitException || e is FormatException)
        {
            Console.Error.WriteLine("updater: " + e.Message);
            return 1;
        }
    }

    static int Run(string[] args)
    {
        string downloadDir = null;
        string statePath = null;
        bool usage = args.Length < 4 || args.Length % 2 != 0;
        for (int a = 4; a + 1 < args.Length && !usage; a += 2)
        {
            if (args[a] == "--download" && downloadDir == null)
            {
                downloadDir = args[a + 1];
            }
            else if (args[a] == "--state" && statePath == null)
            {
                statePath = args[a + 1];
            }
            else
            {
                usage = true;
            }
        }
        if (usage)
        {
            Console.Error.WriteLine("usage: Updater.exe <manifest-url> <pubkey-file> <installed.reg> <env.json> "
                + "[--state FILE] [--download DIR]");
            return 1;
        }
        ulong? lastSerial = statePath == null ? null : ReadState(statePath);
        var request = new UpdatesRequest
        {
            Manifest = Fetch(args[0]),
            Signature = FetchUnless404(args[0] + ".minisig"),
            PublicKeys = new[] { File.ReadAllText(args[1]) },
            Inventory = File.ReadAllBytes(args[2]),
            EnvironmentJson = File.ReadAllText(args[3]),
            LastSerial = lastSerial,
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
            if (statePath != null && result.SerialToStore.HasValue)
            {
                WriteState(statePath, result.SerialToStore.Value);
            }
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

    /// <summary>The serial stored in the state file at path; null when there is none yet.</summary>
    static ulong? ReadState(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        ulong serial;
        if (!ulong.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out serial))
        {
            throw new FormatException(path + ": not a serial");
        }
        return serial;
    }

    /// <summary>Replaces the state file at once: a crash leaves the old serial or the new one.</summary>
    static void WriteState(string path, ulong serial)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, serial.ToString(CultureInfo.InvariantCulture) + "\n");
        if (File.Exists(path))
        {
            File.Replace(temporary, path, null);
        }
        else
        {
            File.Move(temporary, path);
        }
    }

    /// <summary>A transfer that failed: no answer, an HTTP error, or a body cut short.</summary>
    sealed class TransferException : Exception
    {
        public readonly HttpStatusCode? Status;

        public TransferException(string url, string why, HttpStatusCode? status = null)
            : base(url + ": " + why)
        {
            Status = status;
        }
    }

    /// <summary>The whole body of url (the manifest and its signature are small).</summary>
    static byte[] Fetch(string url)
    {
        var buffer = new MemoryStream();
        Fetch(url, 0, status => { }, (chunk, count) => buffer.Write(chunk, 0, count));
        return buffer.ToArray();
    }

    /// <summary>The whole body of url; null when the server says 404 (a manifest without signature).</summary>
    static byte[] FetchUnless404(string url)
    {
        try
        {
            return Fetch(url);
        }
        catch (TransferException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// GETs url, from byte `from` on when it is not 0 (a Range request); calls onStart with
    /// the status (200, or 206 when the server sent only the range) before the body, then
    /// onChunk for each piece of the body as it arrives. Throws TransferException on any
    /// failure to transfer.
    /// </summary>
    static void Fetch(string url, long from, Action<HttpStatusCode> onStart, Action<byte[], int> onChunk)
    {
        var request = (HttpWebRequest)WebRequest.Create(url);
        request.Timeout = 30000;
        request.ReadWriteTimeout = 30000;
        request.UserAgent = "olkit-dotnet-updater";
        if (from > 0)
        {
            request.AddRange(from);
        }
        HttpWebResponse response;
        try
        {
            response = (HttpWebResponse)request.GetResponse();
        }
        catch (WebException e)
        {
            var answer = e.Response as HttpWebResponse;
            if (answer == null)
            {
                throw new TransferException(url, e.Message);
            }
            using (answer)
            {
                throw new TransferException(url, "HTTP status " + (int)answer.StatusCode, answer.StatusCode);
            }
        }
        using (response)
        {
            HttpStatusCode status = response.StatusCode;
            if (status != HttpStatusCode.OK && status != HttpStatusCode.PartialContent)
            {
                throw new TransferException(url, "HTTP status " + (int)status, status);
            }
            long received = 0;
            using (Stream body = response.GetResponseStream())
            {
                onStart(status);
                var chunk = new byte[8192];
                for (;;)
                {
                    int count;
                    try
                    {
                        count = body.Read(chunk, 0, chunk.Length);
                    }
                    catch (Exception e) when (e is IOException || e is WebException)
                    {
                        throw new TransferException(url, e.Message);
                    }
                    if (count == 0)
                    {
                        break;
                    }
                    received += count;
                    onChunk(chunk, count);
                }
            }
            // Some stacks end a body cut short without an error: the length tells.
            if (response.ContentLength >= 0 && received < response.ContentLength)
            {
                throw new TransferException(url, "the connection closed " + (response.ContentLength - received)
                    + " bytes before the end of the body");
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

    /// <summary>
    /// Downloads the package of plan item index into dir, resuming a .part an earlier run
    /// left; true when verified and kept.
    /// </summary>
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
        long resumeAt = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        Console.Write("download " + name + ": " + url
            + (resumeAt > 0 ? " (resuming at " + resumeAt + " bytes)" : "") + "\n");
        ManifestCheck check = null;
        try
        {
            check = plan.CheckPackage(index);
            if (resumeAt > 0)
            {
                // The bytes kept go through the check first, as if they had just arrived.
                using (var kept = File.OpenRead(partPath))
                {
                    var chunk = new byte[65536];
                    int count;
                    while ((count = kept.Read(chunk, 0, chunk.Length)) > 0)
                    {
                        check.Update(Piece(chunk, count));
                    }
                }
            }
            using (var file = new FileStream(partPath, FileMode.OpenOrCreate, FileAccess.Write))
            {
                file.Seek(resumeAt, SeekOrigin.Begin);
                file.SetLength(resumeAt);
                try
                {
                    Fetch(url, resumeAt, status =>
                    {
                        if (resumeAt > 0 && status == HttpStatusCode.OK)
                        {
                            // The server ignored the range and sends it all: start over.
                            check.Dispose();
                            check = plan.CheckPackage(index);
                            file.SetLength(0);
                            resumeAt = 0;
                        }
                    }, (chunk, count) =>
                    {
                        check.Update(Piece(chunk, count));
                        file.Write(chunk, 0, count);
                    });
                }
                catch (TransferException e) when (resumeAt > 0 && e.Status == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // Nothing lies past the bytes kept (a run stopped before its rename):
                    // they are the whole package or wrong, and Finish decides.
                }
            }
            ManifestVerdict verdict = check.Finish();
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
        catch (OlkitException e)
        {
            File.Delete(partPath);
            Console.Write(name + ": NOT verified: " + e.Message + "; nothing kept\n");
            return false;
        }
        catch (Exception e) when (e is TransferException || e is IOException)
        {
            long kept = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
            if (kept == 0)
            {
                File.Delete(partPath);
                Console.Write(name + ": download failed: " + e.Message + "; nothing kept\n");
            }
            else
            {
                Console.Write(name + ": interrupted after " + kept + " bytes: " + e.Message + "; "
                    + partPath + " kept, run again to resume\n");
            }
            return false;
        }
        finally
        {
            if (check != null)
            {
                check.Dispose();
            }
        }
    }

    /// <summary>The first count bytes of chunk, as the binding takes whole arrays.</summary>
    static byte[] Piece(byte[] chunk, int count)
    {
        var piece = new byte[count];
        Array.Copy(chunk, piece, count);
        return piece;
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

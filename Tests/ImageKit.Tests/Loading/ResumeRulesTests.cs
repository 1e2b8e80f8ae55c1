using System.Net;
using System.Net.Http.Headers;
using ImageKit.Loading.Internal;

namespace ImageKit.Tests.Loading;

/// <summary>When a cut-off body may be continued, whether an answer continues it, and how many are kept.</summary>
[TestClass]
public sealed class ResumeRulesTests
{
    private static readonly DateTimeOffset Modified = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [TestMethod]
    public void Validator_CompleteResponseWithStrongETag_IsTheETag()
    {
        using var response = Whole();

        Assert.AreEqual("\"v1\"", ResumeRules.Validator(response));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(999)]
    public void Validator_LastModifiedLessThanASecondBeforeDate_IsNotStrong(int millisecondsLater)
    {
        using var response = Whole(etag: false);
        response.Headers.Date = Modified.AddMilliseconds(millisecondsLater);

        Assert.IsNull(ResumeRules.Validator(response));
    }

    [TestMethod]
    public void Validator_LastModifiedASecondOrMoreBeforeDate_IsTheDate()
    {
        using var response = Whole(etag: false);
        response.Headers.Date = Modified.AddSeconds(1);

        Assert.AreEqual("Fri, 02 Jan 2026 03:04:05 GMT", ResumeRules.Validator(response));
    }

    [TestMethod]
    [DataRow("content-encoding")]
    [DataRow("no content-length")]
    [DataRow("206")]
    [DataRow("no accept-ranges")]
    [DataRow("accept-ranges none")]
    public void Validator_BodyThatCannotBeContinued_IsNull(string why)
    {
        using var response = Whole();
        switch (why)
        {
            case "content-encoding":
                response.Content.Headers.ContentEncoding.Add("gzip");
                break;
            case "no content-length":
                response.Content.Headers.ContentLength = null;
                break;
            case "206":
                response.StatusCode = HttpStatusCode.PartialContent;
                break;
            case "no accept-ranges":
                response.Headers.AcceptRanges.Clear();
                break;
            default:
                response.Headers.AcceptRanges.Clear();
                response.Headers.AcceptRanges.Add("none");
                break;
        }

        Assert.IsNull(ResumeRules.Validator(response));
    }

    [TestMethod]
    [DataRow("bytes 40-99/100", true)]
    [DataRow("bytes 40-99/*", true)]
    [DataRow("bytes 0-99/100", false)]
    [DataRow("bytes 40-79/100", false)]
    [DataRow("bytes 40-119/120", false)]
    public void Continues_OnlyTheRestOfTheSameLength(string contentRange, bool continues)
    {
        var kept = new PartialBody(new byte[100], 40, "\"v1\"", 100, "image/gif", "\"v1\"", null);
        using var response = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent([]) };
        var range = ContentRangeHeaderValue.Parse(contentRange);
        response.Content.Headers.ContentRange = range;
        response.Content.Headers.ContentLength = range.To - range.From + 1;

        Assert.AreEqual(continues, ResumeRules.Continues(response, kept));
    }

    [TestMethod]
    public void Keep_OverTheLimit_DropsTheLeastRecentlyKept()
    {
        var bodies = new ResumableBodies(maxBytes: 250);
        bodies.Keep(Key("a"), Body(100));
        bodies.Keep(Key("b"), Body(100));

        bodies.Keep(Key("c"), Body(100));

        Assert.IsNull(bodies.Take(Key("a")));
        Assert.IsNotNull(bodies.Take(Key("b")));
        Assert.AreEqual(100, bodies.Bytes);
    }

    [TestMethod]
    public void Take_RemovesTheBody_SoOnlyOneDownloadWritesIntoIt()
    {
        var bodies = new ResumableBodies(maxBytes: 1000);
        var body = Body(100);
        bodies.Keep(Key("a"), body);

        Assert.AreSame(body, bodies.Take(Key("a")));
        Assert.IsNull(bodies.Take(Key("a")));
        Assert.AreEqual(0, bodies.Bytes);
    }

    [TestMethod]
    public void Keep_ABodyLargerThanTheLimit_KeepsNothingAndDropsNothing()
    {
        var bodies = new ResumableBodies(maxBytes: 150);
        bodies.Keep(Key("a"), Body(100));

        bodies.Keep(Key("b"), Body(200));

        Assert.IsNull(bodies.Take(Key("b")));
        Assert.IsNotNull(bodies.Take(Key("a")));
    }

    [TestMethod]
    public void Keep_AfterClose_KeepsNothing()
    {
        var bodies = new ResumableBodies(maxBytes: 1000);
        bodies.Keep(Key("a"), Body(100));

        bodies.Close();
        bodies.Keep(Key("b"), Body(100));

        Assert.AreEqual(0, bodies.Bytes);
        Assert.IsNull(bodies.Take(Key("a")));
        Assert.IsNull(bodies.Take(Key("b")));
    }

    private static DownloadKey Key(string name) => new($"https://example.com/{name}", Credentials: null, Headers: null, IfNoneMatch: null, IfModifiedSince: null);

    private static PartialBody Body(int arrayLength) => new(new byte[arrayLength], 10, "\"v1\"", arrayLength, null, null, null);

    private static HttpResponseMessage Whole(bool etag = true)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[100]) };
        response.Content.Headers.ContentLength = 100;
        response.Content.Headers.LastModified = Modified;
        response.Headers.AcceptRanges.Add("bytes");
        if (etag)
        {
            response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
        }

        return response;
    }
}

#include "services/compose/compose.h"

#include "services/compose/localize.h"
#include "services/compose/render.h"
#include "services/core/strings.h"

namespace herald::compose {
namespace {

const std::map<std::string, std::string>& NoSnippets() {
  static const auto* none = new std::map<std::string, std::string>();
  return *none;
}

std::string_view Language(std::string_view locale) {
  return locale.substr(0, locale.find_first_of("-_"));
}

}  // namespace

std::string_view CustomerLocale(const v1::Event& event, const core::Profile* profile) {
  if (!event.contact_overrides().locale().empty()) return event.contact_overrides().locale();
  return profile != nullptr ? std::string_view(profile->locale) : std::string_view();
}

std::vector<ChannelMessage> ComposeMessages(const ComposeRequest& request,
                                            const std::vector<core::Channel>& channels) {
  std::vector<ChannelMessage> out;
  auto fail_all = [&](const absl::Status& status) {
    for (core::Channel channel : channels) out.push_back({channel, status});
    return out;
  };
  const core::LocalizedContent* content = SelectContent(*request.tmpl, request.locale);
  if (content == nullptr) {
    return fail_all(absl::FailedPreconditionError(
        core::StrCat("template \"", request.tmpl->name, "\" version ", request.tmpl->version,
                     " has no content for locale \"", request.locale, "\" nor its default \"",
                     request.tmpl->default_locale, "\"")));
  }
  // Dates and money follow the customer's locale when the content is in their
  // language (nl-BE formats as Belgians write), else the content's: an English
  // message for a customer without English content never says "maandag".
  const std::string locale = Language(request.locale) == Language(content->locale)
                                 ? std::string(request.locale)
                                 : content->locale;
  // The event's data is the same for every customer reading it in this locale and
  // zone; the customer's sits on top of it.
  const Reader reader{.locale = locale,
                      .time_zone = request.time_zone,
                      .customer_id = request.customer_id,
                      .customer_locale = request.locale,
                      .preferences_url = request.preferences_url};
  absl::StatusOr<Value> own_event_data;
  const absl::StatusOr<Value>* event_data = &own_event_data;
  if (request.event_data != nullptr && &request.event_data->event() == request.event) {
    event_data = &request.event_data->For(locale, request.time_zone);
  } else {
    own_event_data = BuildEventData(*request.event, reader);
  }
  if (!event_data->ok()) return fail_all(event_data->status());
  const Value customer_data = BuildCustomerData(*request.event, request.profile, reader);
  const Value* const data[] = {&**event_data, &customer_data};
  const std::map<std::string, std::string>& snippets =
      request.snippets != nullptr ? *request.snippets : NoSnippets();
  TemplateCache& templates =
      request.templates != nullptr ? *request.templates : TemplateCache::Shared();

  for (core::Channel channel : channels) {
    core::RenderedMessage message;
    message.channel = channel;
    const v1::ContactOverrides& o = request.event->contact_overrides();
    const bool by_email = channel == core::Channel::kEmail;
    const std::string& from_event = by_email ? o.email() : o.phone();
    message.address = !from_event.empty()          ? from_event
                      : request.profile == nullptr ? std::string()
                      : by_email                   ? request.profile->email
                                                   : request.profile->phone;
    message.locale = content->locale;
    message.render_time = request.now;
    absl::Status status;
    switch (channel) {
      case core::Channel::kEmail: {
        if (!content->email) {
          status = absl::FailedPreconditionError(
              core::StrCat("no email content in locale ", content->locale));
          break;
        }
        const core::EmailContent& email = *content->email;
        // Only what the parts include is handed to the renderer, compiled once.
        absl::StatusOr<Partials> partials =
            ReachedPartials({email.subject, email.text_body, email.html_body}, snippets, templates);
        if (!partials.ok()) {
          status = partials.status();
          break;
        }
        absl::StatusOr<RenderedEmail> rendered = RenderEmail(email, data, *partials, templates);
        if (!rendered.ok()) {
          status = rendered.status();
          break;
        }
        message.subject = std::move(rendered->subject);
        message.text_body = std::move(rendered->text_body);
        message.html_body = std::move(rendered->html_body);
        break;
      }
      case core::Channel::kSms: {
        if (!content->sms) {
          status = absl::FailedPreconditionError(
              core::StrCat("no SMS content in locale ", content->locale));
          break;
        }
        absl::StatusOr<Partials> partials =
            ReachedPartials({content->sms->text}, snippets, templates);
        if (!partials.ok()) {
          status = partials.status();
          break;
        }
        const int max = request.tmpl->max_sms_segments > 0 ? request.tmpl->max_sms_segments
                                                           : request.default_max_sms_segments;
        absl::StatusOr<RenderedSms> rendered =
            RenderSms(*content->sms, data, *partials, max, templates);
        if (!rendered.ok()) {
          status = rendered.status();
          break;
        }
        message.sms_text = std::move(rendered->text);
        message.sms_encoding = std::string(Name(rendered->size.encoding));
        message.sms_units = rendered->size.units;
        message.sms_segments = rendered->size.segments;
        break;
      }
    }
    if (status.ok()) {
      out.push_back({channel, std::move(message)});
    } else {
      out.push_back({channel, status});
    }
  }
  return out;
}

}  // namespace herald::compose

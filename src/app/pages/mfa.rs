//! `/account/mfa`: setting up two-step sign-in, and the recovery codes, shown once.

use crate::web::request::own_account;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, feedback_for, query_param};
use crate::auth::mfa::{self, recovery, Enrolment};
use crate::forms::mfa::RecoveryCodesShown;
use crate::state::AppState;
use crate::web::{AppError, FormId};

/// Where the person stands: enrolled (with recovery codes left), part way, or not started.
enum Standing {
    Enrolled { codes_left: i64 },
    Pending(Enrolment),
    NotStarted,
    Unavailable,
}

async fn standing() -> Result<Standing, AppError> {
    let me = current_staff().ok_or(AppError::SignInFirst)?;
    let state = use_context::<AppState>()
        .ok_or_else(|| AppError::portal("finding the portal's state")("missing"))?;
    let account = own_account(&state, &me).await?;
    if account.mfa_enrolled {
        let codes_left = mfa::recovery_codes_left(&state.db, me.id)
            .await
            .map_err(AppError::portal("counting recovery codes"))?;
        return Ok(Standing::Enrolled { codes_left });
    }
    let Some(key) = state.config.secret_key.as_deref() else {
        return Ok(Standing::Unavailable);
    };
    Ok(
        match mfa::pending_enrolment(&state.db, key, &account).await {
            Ok(Some(enrolment)) => Standing::Pending(enrolment),
            Ok(None) => Standing::NotStarted,
            Err(err) => return Err(AppError::portal("loading the enrolment")(err)),
        },
    )
}

#[component]
pub fn AccountMfaPage() -> impl IntoView {
    let shown = use_context::<RecoveryCodesShown>();
    let required = query_param("required").is_some();
    let sign_in_again = query_param("sign_in_again").is_some();
    view! {
        <Title text="Two-step sign-in"/>
        <section class="card narrow" aria-labelledby="mfa-heading">
            <h1 id="mfa-heading">"Two-step sign-in"</h1>
            {match shown {
                Some(RecoveryCodesShown(codes)) => view! { <RecoveryCodes codes/> }.into_any(),
                None => view! {
                    {sign_in_again.then(|| view! {
                        <p class="notice warn" role="status">"Setting up two-step sign-in must follow a fresh sign-in (within 15 minutes). Sign out, sign in again, and come back here."</p>
                    })}
                    {required.then(|| view! {
                        <p class="notice warn" role="status">"Your role must use two-step sign-in. Set it up to continue."</p>
                    })}
                    <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                        {Suspend::new(async move {
                            match standing().await {
                                Ok(standing) => view! { <Setup standing/> }.into_any(),
                                Err(error) => view! { <Problem error/> }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <p class="notice ok" role="status">"Two-step sign-in is on. From now on you sign in with your password and a code from your app."</p>
        <h2>"Your recovery codes"</h2>
        <p>{format!("If you lose your phone, each of these {} codes signs you in once instead of the app. Save them somewhere safe now: they are not shown again.", recovery::COUNT)}</p>
        <ul class="recovery-codes">
            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ul>
        <p><a href="/">"I saved them: continue"</a></p>
    }
}

#[component]
fn Setup(standing: Standing) -> impl IntoView {
    let feedback = feedback_for(FormId::MfaEnrol);
    match standing {
        Standing::Enrolled { codes_left } => view! {
            <p class="notice ok" role="status">"Two-step sign-in is on for your account."</p>
            <p>{format!("You have {codes_left} unused recovery codes.")}</p>
            <p>"Lost your phone or out of recovery codes? Ask an admin to reset your second factor, then set it up again here."</p>
        }.into_any(),
        Standing::Unavailable => view! {
            <p class="notice warn" role="status">"Two-step sign-in cannot be set up: this portal has no PORTAL_SECRET_KEY. Ask the people who run it."</p>
        }.into_any(),
        Standing::NotStarted => view! {
            <p>"With two-step sign-in, a stolen password is not enough: signing in, acting for a customer and changing staff also need a code from an authenticator app on your phone."</p>
            <form method="post" action="/account/mfa/start">
                <button type="submit">"Set up two-step sign-in"</button>
            </form>
        }.into_any(),
        Standing::Pending(enrolment) => view! {
            <ol class="steps">
                <li>"Scan this code with your authenticator app (such as Google Authenticator, Microsoft Authenticator or 1Password)."</li>
            </ol>
            {enrolment.qr_svg.map(|svg| view! {
                <div class="qr" role="img" aria-label="QR code to scan with your authenticator app" inner_html=svg></div>
            })}
            <p>"Cannot scan it? Type this key into the app instead:"</p>
            <p><code class="secret" id="mfa-secret">{enrolment.secret_base32}</code></p>
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/account/mfa" class="stacked">
                <Field feedback name="code" label="The 6-digit code your app shows" autocomplete="one-time-code" keep_value=false/>
                <button type="submit">"Turn on two-step sign-in"</button>
            </form>
            <form method="post" action="/account/mfa/start">
                <button type="submit" class="secondary small">"Show a new key"</button>
            </form>
        }.into_any(),
    }
}
